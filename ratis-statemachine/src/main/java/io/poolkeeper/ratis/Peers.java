package io.poolkeeper.ratis;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.poolkeeper.proto.HeartbeatReply;
import io.poolkeeper.proto.HeartbeatRequest;
import io.poolkeeper.proto.MemberStatus;
import io.poolkeeper.proto.MemberStatusRequest;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.rpc.PoolIdentity;
import io.poolkeeper.rpc.RemoteMember;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * This member's channels to the other members' PoolService, one per address, kept open for the periodic calls
 * (heartbeats, generation probes). Every call names this member ({@link FaultInterceptors#FROM}), so the receiver
 * can check the link and knows who is calling.
 *
 * <p>Pool identity ({@link PoolIdentity}): a heartbeat names the sender's pool, and a reply naming another pool
 * fails the call with {@code POOL_MISMATCH}: the address now serves another pool, whose generation and verdicts mean
 * nothing to this member. Status replies name their pool for the caller to compare; a {@link #connect connection}
 * pins the pool of the member's first answer.
 *
 * <p>Thread-safe.
 */
final class Peers implements AutoCloseable {
    private final String self;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    Peers(String self) {
        this.self = self;
    }

    private PoolServiceGrpc.PoolServiceStub stub(String address, Duration deadline) {
        ManagedChannel channel = channels.computeIfAbsent(address, a -> NettyChannelBuilder.forTarget(a)
                .usePlaintext()
                .intercept(FaultInterceptors.caller(self))
                .build());
        return PoolServiceGrpc.newStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    CompletableFuture<HeartbeatReply> heartbeat(String address, HeartbeatRequest request, Duration deadline) {
        CompletableFuture<HeartbeatReply> reply = new CompletableFuture<>();
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        stub(address, deadline).heartbeat(request, Observers.into(reply));
        return reply.thenApply(r -> {
            PoolIdentity.check(address, request.getPoolUuid(), PoolIdentity.of(r));
            return r;
        });
    }

    CompletableFuture<MemberStatus> status(String address, Duration deadline) {
        CompletableFuture<MemberStatus> reply = new CompletableFuture<>();
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        stub(address, deadline).getMemberStatus(MemberStatusRequest.getDefaultInstance(), Observers.into(reply));
        return reply;
    }

    /** A one-off blocking connection for the longer calls (join, emergency reset), naming this member. */
    RemoteMember connect(String address, Duration timeout) {
        return RemoteMember.connect(address, timeout, FaultInterceptors.caller(self));
    }

    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }

    /** gRPC callbacks into a future. */
    private static final class Observers {
        private Observers() {}

        static <T> io.grpc.stub.StreamObserver<T> into(CompletableFuture<T> future) {
            return new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(T value) {
                    future.complete(value);
                }

                @Override
                public void onError(Throwable t) {
                    future.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    future.completeExceptionally(new IllegalStateException("no reply"));
                }
            };
        }
    }
}
