package io.poolkeeper.rpc;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.poolkeeper.port.MemberService;
import io.poolkeeper.proto.PoolServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
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

    /** The calls that run on the transport's thread ({@link #executor}). */
    private static final Set<String> ON_TRANSPORT_THREAD = Set.of(
            PoolServiceGrpc.getSubmitMethod().getFullMethodName(),
            PoolServiceGrpc.getSubmitBatchMethod().getFullMethodName());

    private static final Executor DIRECT = Runnable::run;

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
                    .callExecutor(PoolServer::executor)
                    .maxInboundMessageSize(MAX_REQUEST_BYTES)
                    .maxInboundMetadataSize(MAX_METADATA_BYTES)
                    .build()
                    .start();
            return new PoolServer(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve PoolService on " + host + ":" + port, e);
        }
    }

    /**
     * Submit and SubmitBatch run on the transport's own thread, everything else on gRPC's executor. Their handlers
     * never block: they check the commands, queue them in the member's batcher and return, the answer going out from
     * whichever thread completes it (the batcher keeps at most four entries in flight, far inside the Raft client's
     * window of 256, whose send would otherwise wait for room). A hand-off to an executor thread for each of these
     * calls cost the members about a fifth of their CPU per pipelined write (docs/BENCHMARKS.md, session 14). The other
     * calls may wait (a read index, a watch's history), which must not hold up the connection's other calls.
     */
    private static <Q, R> Executor executor(ServerCall<Q, R> call, Metadata headers) {
        String method = call.getMethodDescriptor().getFullMethodName();
        return ON_TRANSPORT_THREAD.contains(method) ? DIRECT : null;
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
