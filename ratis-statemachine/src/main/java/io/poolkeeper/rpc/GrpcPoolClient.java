package io.poolkeeper.rpc;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.codec.SnapshotCodec;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.pool.CommandPool;
import io.poolkeeper.proto.DesignateNewMasterRequest;
import io.poolkeeper.proto.MemberStatus;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.ReadRequest;
import io.poolkeeper.proto.SubmitReply;
import io.poolkeeper.proto.SubmitRequest;
import io.poolkeeper.proto.WatchRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * {@link PoolClient} over gRPC. Every call goes to the member that answered last; when a member is unreachable or
 * has no master it moves to the next one, until the request timeout runs out. Writes carry a request id, so a
 * write retried on another member after a lost answer is applied once.
 */
public final class GrpcPoolClient implements PoolClient {
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<String> addresses;
    private final Duration requestTimeout;
    private final AtomicInteger current = new AtomicInteger();
    private final RemotePool pool = new RemotePool();

    private GrpcPoolClient(List<String> addresses, Duration requestTimeout) {
        this.addresses = List.copyOf(addresses);
        this.requestTimeout = requestTimeout;
        for (String address : addresses) {
            channels.add(NettyChannelBuilder.forTarget(address).usePlaintext().build());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link GrpcPoolClient}. */
    public static final class Builder implements PoolClient.Builder {
        private List<String> members;
        private Duration requestTimeout = Duration.ofSeconds(10);

        @Override
        public Builder members(List<String> addresses) {
            this.members = List.copyOf(addresses);
            return this;
        }

        @Override
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        @Override
        public GrpcPoolClient build() {
            Objects.requireNonNull(members, "members");
            if (members.isEmpty()) {
                throw new IllegalArgumentException("at least one member address");
            }
            return new GrpcPoolClient(members, requestTimeout);
        }
    }

    @Override
    public CommandPool pool() {
        return pool;
    }

    @Override
    public MemberRole roleOf(String address) {
        return MemberRole.valueOf(statusOf(address).getRole().name());
    }

    @Override
    public boolean isInEmergencyMode(String address) {
        return statusOf(address).getInEmergencyMode();
    }

    /** The status a member reports about itself. */
    public MemberStatus statusOf(String address) {
        try (RemoteMember member = RemoteMember.connect(address, requestTimeout)) {
            return member.status();
        }
    }

    @Override
    public void emergencyTransitionToMaster(String address) {
        try (RemoteMember member = RemoteMember.connect(address, requestTimeout)) {
            member.emergencyTransitionToMaster();
        }
    }

    @Override
    public void emergencyResetMaster(String address, String masterAddress) {
        long generation;
        try (RemoteMember master = RemoteMember.connect(masterAddress, requestTimeout)) {
            generation = master.status().getGeneration();
        }
        try (RemoteMember member = RemoteMember.connect(address, requestTimeout)) {
            member.emergencyResetMaster(masterAddress, generation);
        }
    }

    @Override
    public List<HostId> recoverSlaves(String address) {
        try (RemoteMember member = RemoteMember.connect(address, requestTimeout)) {
            return member.recoverSlaves().getRecoveredHostUuidsList().stream()
                    .map(HostId::of)
                    .toList();
        }
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
    }

    private PoolServiceGrpc.PoolServiceStub stub(int member) {
        return PoolServiceGrpc.newStub(channels.get(member))
                .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Calls members in turn, starting with the last one that answered, until one answers or the request timeout
     * passes; only failures that mean "try elsewhere" move on.
     */
    private <T> CompletableFuture<T> call(BiConsumer<PoolServiceGrpc.PoolServiceStub, StreamObserver<T>> rpc) {
        CompletableFuture<T> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        attempt(rpc, result, current.get(), 0, deadline);
        return result;
    }

    private <T> void attempt(
            BiConsumer<PoolServiceGrpc.PoolServiceStub, StreamObserver<T>> rpc,
            CompletableFuture<T> result,
            int member,
            int tried,
            long deadline) {
        rpc.accept(stub(member), new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                current.set(member);
                result.complete(value);
            }

            @Override
            public void onError(Throwable error) {
                Status.Code code = Status.fromThrowable(error).getCode();
                boolean elsewhere = code == Status.Code.UNAVAILABLE
                        || code == Status.Code.DEADLINE_EXCEEDED
                        || code == Status.Code.CANCELLED;
                if (!elsewhere || System.nanoTime() >= deadline) {
                    result.completeExceptionally(Errors.fromStatus(error));
                    return;
                }
                int next = (member + 1) % channels.size();
                // Back off once every member has been tried, so a pool electing a master is not hammered.
                long pauseMs = (tried + 1) % channels.size() == 0 ? 100 : 0;
                Executor later = CompletableFuture.delayedExecutor(pauseMs, TimeUnit.MILLISECONDS);
                later.execute(() -> attempt(rpc, result, next, tried + 1, deadline));
            }

            @Override
            public void onCompleted() {}
        });
    }

    private final class RemotePool extends CommandPool {
        @Override
        public CompletableFuture<ResultCodec.Reply> submit(PoolCommand command) {
            SubmitRequest request = SubmitRequest.newBuilder()
                    .setCommand(CommandCodec.toProto(command))
                    .build();
            return GrpcPoolClient.this
                    .<SubmitReply>call((stub, out) -> stub.submit(request, out))
                    .thenApply(reply -> ResultCodec.decode(reply.getResult()));
        }

        @Override
        public CompletableFuture<PoolView> read(ReadConsistency consistency) {
            ReadRequest request = ReadRequest.newBuilder()
                    .setConsistency(io.poolkeeper.proto.ReadConsistency.valueOf(consistency.name()))
                    .build();
            return GrpcPoolClient.this
                    .<io.poolkeeper.proto.ReadReply>call((stub, out) -> stub.read(request, out))
                    .thenApply(reply -> SnapshotCodec.decode(reply.getState())
                            .toView(reply.getState().getLastEventSequence()));
        }

        @Override
        public CompletableFuture<Void> designateNewMaster(HostId host) {
            DesignateNewMasterRequest request = DesignateNewMasterRequest.newBuilder()
                    .setHostUuid(host.toString())
                    .build();
            return GrpcPoolClient.this
                    .<SubmitReply>call((stub, out) -> stub.designateNewMaster(request, out))
                    .thenApply(reply -> {
                        CommandPool.resultOrThrow(ResultCodec.decode(reply.getResult()));
                        return null;
                    });
        }

        @Override
        public Subscription watch(long fromToken, Consumer<PoolEvent> listener) {
            return new RemoteWatch(fromToken, listener);
        }
    }

    /** Follows events from one member, resuming from the last token on another member when the stream breaks. */
    private final class RemoteWatch implements Subscription {
        private final AtomicLong last;
        private final Consumer<PoolEvent> listener;
        private volatile boolean closed;
        private volatile io.grpc.Context.CancellableContext context;

        RemoteWatch(long fromToken, Consumer<PoolEvent> listener) {
            this.last = new AtomicLong(fromToken);
            this.listener = listener;
            open(current.get());
        }

        private void open(int member) {
            if (closed) {
                return;
            }
            context = io.grpc.Context.current().withCancellation();
            context.run(() -> PoolServiceGrpc.newStub(channels.get(member))
                    .watch(WatchRequest.newBuilder().setFromToken(last.get()).build(), new StreamObserver<>() {
                        @Override
                        public void onNext(io.poolkeeper.proto.PoolEvent event) {
                            PoolEvent e = EventCodec.fromProto(event);
                            if (e.kind() == PoolEvent.Kind.ALERT || e.token() > last.get()) {
                                last.set(Math.max(last.get(), e.token()));
                                listener.accept(e);
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            Executor later = CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS);
                            later.execute(() -> open((member + 1) % channels.size()));
                        }

                        @Override
                        public void onCompleted() {
                            onError(Status.UNAVAILABLE.asRuntimeException());
                        }
                    }));
        }

        @Override
        public void close() {
            closed = true;
            if (context != null) {
                context.cancel(null);
            }
        }
    }
}
