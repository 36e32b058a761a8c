package io.poolkeeper.rpc;

import com.google.protobuf.Message;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.proto.CommandResult;
import io.poolkeeper.proto.Done;
import io.poolkeeper.proto.HeartbeatReply;
import io.poolkeeper.proto.HeartbeatRequest;
import io.poolkeeper.proto.MemberRole;
import io.poolkeeper.proto.MemberStatus;
import io.poolkeeper.proto.MemberStatusRequest;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.SubmitReply;
import io.poolkeeper.proto.SubmitRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A PoolService that answers every call as a master of pool {@code served} would, whatever pool the request names:
 * a member that does not check requests (an older version, a broken one). What a caller must then refuse on its own
 * side. Records the pool each request named. Binds a free loopback port.
 */
public final class ForeignMember implements AutoCloseable {
    public static final long GENERATION = 7;

    private final String served;
    private final Server server;
    /** The pool each request named, in arrival order. */
    public final List<String> requestedPools = new CopyOnWriteArrayList<>();

    public ForeignMember(String served) {
        this.served = served;
        try {
            this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new Service())
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String address() {
        return "127.0.0.1:" + server.getPort();
    }

    private <T> void answer(Message request, StreamObserver<T> out, T reply) {
        requestedPools.add(PoolIdentity.of(request));
        out.onNext(reply);
        out.onCompleted();
    }

    private final class Service extends PoolServiceGrpc.PoolServiceImplBase {
        @Override
        public void submit(SubmitRequest request, StreamObserver<SubmitReply> out) {
            answer(
                    request,
                    out,
                    SubmitReply.newBuilder()
                            .setResult(CommandResult.newBuilder().setDone(Done.getDefaultInstance()))
                            .setPoolUuid(served)
                            .build());
        }

        @Override
        public void getMemberStatus(MemberStatusRequest request, StreamObserver<MemberStatus> out) {
            answer(
                    request,
                    out,
                    MemberStatus.newBuilder()
                            .setRole(MemberRole.MASTER)
                            .setGeneration(GENERATION)
                            .setPoolUuid(served)
                            .build());
        }

        @Override
        public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatReply> out) {
            // A newer generation and "not known": a sender that believed this would go stale or leave its pool.
            answer(
                    request,
                    out,
                    HeartbeatReply.newBuilder()
                            .setGeneration(GENERATION)
                            .setKnown(false)
                            .setPoolUuid(served)
                            .build());
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
