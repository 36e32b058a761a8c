package io.poolkeeper.rpc;

import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.poolkeeper.port.MemberService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The gRPC server of a member: serves {@link PoolServiceImpl} on the member's service address. */
public final class PoolServer implements AutoCloseable {
    /**
     * Largest request message a member takes: PoolService requests are commands and small calls (a re-founding's
     * state travels in Raft, replies are not bounded by it), so 4 MiB leaves room for any real one.
     */
    public static final int MAX_REQUEST_BYTES = 4 << 20;

    /** Largest request metadata (headers) a member takes. */
    public static final int MAX_METADATA_BYTES = 16 << 10;

    private final Server server;

    private PoolServer(Server server) {
        this.server = server;
    }

    /**
     * Serves {@code member} on {@code host:port}.
     *
     * @param interceptor consulted before pool identity on every call (a link filter's)
     * @param faults the switch {@code InjectLinkFault} turns; empty: such calls are refused
     * @param security TLS (callers must hold a certificate of the pool; member-only calls a member's) or plain text
     */
    public static PoolServer start(
            String host,
            int port,
            MemberService member,
            Optional<ServerInterceptor> interceptor,
            Optional<InjectedLinkFaults> faults,
            TransportSecurity security) {
        try {
            ServerServiceDefinition service = new PoolServiceImpl(member, faults).withPoolIdentity();
            if (interceptor.isPresent()) {
                service = ServerInterceptors.intercept(service, interceptor.get());
            }
            if (security.isTls()) {
                // Intercepted last, so it runs first: a refused call reaches nothing else.
                service = ServerInterceptors.intercept(service, new Authorization());
            }
            Server server = security.secure(NettyServerBuilder.forAddress(new InetSocketAddress(host, port)))
                    .addService(service)
                    .maxInboundMessageSize(MAX_REQUEST_BYTES)
                    .maxInboundMetadataSize(MAX_METADATA_BYTES)
                    .build()
                    .start();
            return new PoolServer(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve PoolService on " + host + ":" + port, e);
        }
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
