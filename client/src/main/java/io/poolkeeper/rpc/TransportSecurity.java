package io.poolkeeper.rpc;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.poolkeeper.tls.TlsCredentials;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * How a member or client talks on PoolService: mutual TLS with its pool's credentials, or plain text when it was
 * explicitly made {@link #insecure()}. With TLS a member accepts only callers whose certificate chains to the pool's
 * CA and a caller accepts only members that present one; the credentials reload when their files change (see {@link
 * TlsCredentials}), so a rotation reaches every connection made after it.
 *
 * <p>Immutable and thread-safe; the SSL contexts are built once.
 */
public final class TransportSecurity {
    private static final TransportSecurity INSECURE = new TransportSecurity(Optional.empty());

    private final Optional<TlsCredentials> credentials;
    private final Optional<SslContext> server;
    private final Optional<SslContext> client;

    private TransportSecurity(Optional<TlsCredentials> credentials) {
        this.credentials = credentials;
        try {
            this.server = credentials.isEmpty()
                    ? Optional.empty()
                    : Optional.of(GrpcSslContexts.configure(SslContextBuilder.forServer(
                                    credentials.get().keyManager()))
                            .trustManager(credentials.get().trustManager())
                            .clientAuth(ClientAuth.REQUIRE)
                            .build());
            this.client = credentials.isEmpty()
                    ? Optional.empty()
                    : Optional.of(GrpcSslContexts.forClient()
                            .keyManager(credentials.get().keyManager())
                            .trustManager(credentials.get().trustManager())
                            .build());
        } catch (SSLException e) {
            throw new IllegalArgumentException(
                    "cannot use the TLS credentials of " + credentials.get().directory() + ": " + e.getMessage(), e);
        }
    }

    /** Plain text: no authentication at all. Only for a pool whose network nobody else can reach. */
    public static TransportSecurity insecure() {
        return INSECURE;
    }

    /** Mutual TLS with {@code credentials}. */
    public static TransportSecurity tls(TlsCredentials credentials) {
        return new TransportSecurity(Optional.of(Objects.requireNonNull(credentials, "credentials")));
    }

    /** Mutual TLS with the credentials in {@code directory} ({@code ca.pem}, {@code cert.pem}, {@code key.pem}). */
    public static TransportSecurity tls(Path directory) {
        return tls(TlsCredentials.load(directory));
    }

    public boolean isTls() {
        return credentials.isPresent();
    }

    /** The credentials; empty when insecure. */
    public Optional<TlsCredentials> credentials() {
        return credentials;
    }

    /** A channel builder to {@code target} ({@code host:port}) secured by this. */
    public NettyChannelBuilder channel(String target) {
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target);
        return client.isPresent() ? builder.sslContext(client.get()) : builder.usePlaintext();
    }

    /** {@code builder} secured by this. */
    NettyServerBuilder secure(NettyServerBuilder builder) {
        return server.isPresent() ? builder.sslContext(server.get()) : builder;
    }

    @Override
    public String toString() {
        return credentials.map(c -> "TLS (" + c.directory() + ")").orElse("insecure");
    }
}
