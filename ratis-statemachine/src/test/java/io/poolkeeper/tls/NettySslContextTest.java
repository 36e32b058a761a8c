package io.poolkeeper.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The managers as gRPC's Netty uses them ({@code SslContextBuilder.forServer(KeyManager)}, {@code .keyManager},
 * {@code .trustManager}), with the JDK's engine and with the BoringSSL engine grpc-netty-shaded ships: two engines
 * handshake in memory, and a rotation reaches the next handshake (no key material cached by alias).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NettySslContextTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(
            value = SslProvider.class,
            names = {"JDK", "OPENSSL"})
    void nettyEnginesHandshakeAndFollowARotation(SslProvider provider) throws Exception {
        assertTrue(provider == SslProvider.JDK || OpenSsl.isAvailable(), "grpc-netty-shaded ships BoringSSL");
        PoolCertificateAuthority.initPool(dir, "pool", 2);
        PoolCertificateAuthority.initPool(dir.resolve("other"), "pool", 1);
        TlsCredentials server = TlsCredentials.load(dir.resolve("member-1"), Duration.ofHours(1));
        TlsCredentials client = TlsCredentials.load(dir.resolve("client"), Duration.ofHours(1));
        TlsCredentials intruder = TlsCredentials.load(dir.resolve("other/client"), Duration.ofHours(1));
        SslContext serverContext = SslContextBuilder.forServer(server.keyManager())
                .trustManager(server.trustManager())
                .clientAuth(ClientAuth.REQUIRE)
                .sslProvider(provider)
                .build();

        assertEquals(server.certificate(), handshake(serverContext, client, provider));
        assertThrows(SSLException.class, () -> handshake(serverContext, intruder, provider));

        X509Certificate reissued = PoolCertificateAuthority.load(dir.resolve("ca"))
                .issue(dir.resolve("member-1"), CertificateRole.MEMBER, "member-1", Duration.ofDays(1));
        assertTrue(server.reloadIfChanged());
        assertEquals(reissued, handshake(serverContext, client, provider), "the same SslContext, the new key");
    }

    /** A client with {@code credentials} handshakes with a server engine of {@code server}; the server it saw. */
    private static X509Certificate handshake(SslContext server, TlsCredentials credentials, SslProvider provider)
            throws Exception {
        SslContext clientContext = SslContextBuilder.forClient()
                .keyManager(credentials.keyManager())
                .trustManager(credentials.trustManager())
                .sslProvider(provider)
                .build();
        SSLEngine s = server.newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine c = clientContext.newEngine(ByteBufAllocator.DEFAULT, "127.0.0.1", 7400);
        ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
        ByteBuffer toClient = ByteBuffer.allocate(1 << 17);
        ByteBuffer app = ByteBuffer.allocate(1 << 17);
        ByteBuffer ping = ByteBuffer.wrap(new byte[] {42});
        c.beginHandshake();
        s.beginHandshake();
        // Until the server has read the client's first application byte: a refused client fails on the way.
        for (int round = 0; round < 50 && app.position() == 0; round++) {
            c.wrap(c.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING ? ping : ByteBuffer.allocate(0), toServer);
            runTasks(c);
            s.wrap(ByteBuffer.allocate(0), toClient);
            runTasks(s);
            toServer.flip();
            s.unwrap(toServer, app);
            toServer.compact();
            runTasks(s);
            toClient.flip();
            c.unwrap(toClient, ByteBuffer.allocate(1 << 17));
            toClient.compact();
            runTasks(c);
        }
        assertEquals(1, app.position(), "the server received the client's byte");
        assertEquals(credentials.certificate(), s.getSession().getPeerCertificates()[0]);
        return (X509Certificate) c.getSession().getPeerCertificates()[0];
    }

    private static void runTasks(SSLEngine engine) {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
    }
}
