package io.poolkeeper.rpc;

import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.codec.EventCodec;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.codec.SnapshotCodec;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.pool.CommandPool;
import io.poolkeeper.pool.EventDelivery;
import io.poolkeeper.proto.DesignateNewMasterRequest;
import io.poolkeeper.proto.MemberStatus;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.ReadRequest;
import io.poolkeeper.proto.SubmitBatchReply;
import io.poolkeeper.proto.SubmitBatchRequest;
import io.poolkeeper.proto.SubmitOutcome;
import io.poolkeeper.proto.SubmitRequest;
import io.poolkeeper.proto.WatchRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * {@link PoolClient} over gRPC. Every call goes to the member that answered last; when a member is unreachable or
 * has no master it moves to the next one, until the request timeout runs out. Writes carry a request id, so a
 * write retried on another member after a lost answer is applied once.
 *
 * <p>Writes submitted concurrently travel together ({@link SubmitCoalescer}): a lone write goes at once as a Submit;
 * while {@value SubmitCoalescer#MAX_IN_FLIGHT} calls are in flight the next writes wait, and go in one SubmitBatch
 * (each with its own result) when a call completes. A command of a batch the member got no decision for is sent
 * again alone from the next member on; a member that does not know SubmitBatch gets Submits from then on.
 *
 * <p>Pool identity ({@link PoolIdentity}): the client is pinned to the pool given to the builder, else to the pool of
 * the first member that answers, and names it in every request. A member of another pool refuses such a request,
 * and an answer naming another pool is refused here; either way that member counts as no member of the pool for
 * the call, which moves on to the next address, and fails with POOL_MISMATCH when no address serves the pool.
 */
public final class GrpcPoolClient implements PoolClient {
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<String> addresses;
    private final Duration requestTimeout;
    private final AtomicInteger current = new AtomicInteger();
    private final RemotePool pool = new RemotePool();
    /** Whether any member ever answered this client: until then, addresses that all refuse fail a call at once. */
    private final AtomicBoolean reached = new AtomicBoolean();
    /** The pool uuid this client serves; empty until given or learned. */
    private final AtomicReference<String> pinned;

    private final TransportSecurity security;

    /** Concurrent submits travel together in SubmitBatch calls ({@link SubmitCoalescer}). */
    private final SubmitCoalescer<PendingSubmit> coalescer = new SubmitCoalescer<>(
            SubmitCoalescer.MAX_IN_FLIGHT,
            SubmitCoalescer.MAX_BATCH,
            SubmitCoalescer.MAX_BYTES,
            p -> p.command().getSerializedSize(),
            this::sendBatch);

    /** Set once a member answered UNIMPLEMENTED to SubmitBatch (older than it): from then on, Submit alone. */
    private volatile boolean batchUnsupported;

    /** The most commands sent in one SubmitBatch so far: what tests see of the coalescing. */
    private final AtomicInteger largestBatch = new AtomicInteger();

    private GrpcPoolClient(
            List<String> addresses, Duration requestTimeout, Optional<PoolId> pool, TransportSecurity security) {
        this.addresses = List.copyOf(addresses);
        this.requestTimeout = requestTimeout;
        this.pinned = new AtomicReference<>(pool.map(PoolId::toString).orElse(""));
        this.security = security;
        for (String address : addresses) {
            channels.add(security.channel(address).build());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link GrpcPoolClient}. */
    public static final class Builder implements PoolClient.Builder {
        private List<String> members;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Optional<PoolId> poolUuid = Optional.empty();
        private TransportSecurity security;

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
        public Builder poolUuid(PoolId pool) {
            this.poolUuid = Optional.of(Objects.requireNonNull(pool, "pool"));
            return this;
        }

        @Override
        public Builder tls(Path directory) {
            return transportSecurity(TransportSecurity.tls(Objects.requireNonNull(directory, "directory")));
        }

        @Override
        public Builder insecure() {
            return transportSecurity(TransportSecurity.insecure());
        }

        /** TLS with credentials already loaded (shared between clients and reloaded when their files change). */
        public Builder transportSecurity(TransportSecurity security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        @Override
        public GrpcPoolClient build() {
            List<String> missing = new ArrayList<>();
            if (members == null || members.isEmpty()) {
                missing.add("members (at least one member address, host:port)");
            }
            if (security == null) {
                missing.add("tls(directory) or insecure() (the client's credentials: a directory of poolkeeper"
                        + " pool-init-tls or tls-issue; or plain text for a pool without TLS)");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("the client is missing " + missing.size() + " required setting(s): "
                        + String.join("; ", missing));
            }
            return new GrpcPoolClient(members, requestTimeout, poolUuid, security);
        }
    }

    @Override
    public CommandPool pool() {
        return pool;
    }

    @Override
    public Optional<PoolId> poolUuid() {
        String pool = pinned.get();
        return pool.isEmpty() ? Optional.empty() : Optional.of(PoolId.of(pool));
    }

    /**
     * Takes an answer of the member at {@code address}, which serves {@code served}: pins that pool if none is yet.
     *
     * @throws PoolException POOL_MISMATCH when the client is pinned to another pool
     */
    private void accept(String address, String served) {
        String pool = PoolIdentity.check(address, pinned.get(), served);
        if (!pinned.compareAndSet("", pool)) {
            // Pinned meanwhile, maybe by another call's answer from another pool.
            PoolIdentity.check(address, pinned.get(), served);
        }
    }

    /** A connection to one member for a per-member command, pinned to this client's pool. */
    private RemoteMember remote(String address) {
        return RemoteMember.connect(address, security, pinned.get(), requestTimeout);
    }

    @Override
    public MemberRole roleOf(String address) {
        MemberStatus status = statusOf(address);
        return RoleCodec.fromProto(status.getRole())
                .orElseThrow(() -> PoolException.of(
                        ErrorCode.INTERNAL_ERROR,
                        List.of(address, String.valueOf(status.getRoleValue())),
                        "the member at " + address + " reports role " + status.getRoleValue()
                                + ", which this version does not know"));
    }

    @Override
    public boolean isInEmergencyMode(String address) {
        return statusOf(address).getInEmergencyMode();
    }

    /** The status a member reports about itself. */
    public MemberStatus statusOf(String address) {
        try (RemoteMember member = remote(address)) {
            MemberStatus status = member.status();
            accept(address, member.pool());
            return status;
        }
    }

    @Override
    public void emergencyTransitionToMaster(String address) {
        try (RemoteMember member = remote(address)) {
            member.emergencyTransitionToMaster();
            accept(address, member.pool());
        }
    }

    /**
     * The member is sent the master's pool, checked against this client's: a member of another pool refuses to be
     * reset into it (one in no pool joins it).
     */
    @Override
    public void emergencyResetMaster(String address, String masterAddress) {
        long generation;
        String masterPool;
        try (RemoteMember master = remote(masterAddress)) {
            generation = master.status().getGeneration();
            masterPool = master.pool();
        }
        if (masterPool.isEmpty()) {
            throw PoolException.of(
                    ErrorCode.NO_POOL, List.of(masterAddress), "the member at " + masterAddress + " is in no pool");
        }
        accept(masterAddress, masterPool);
        try (RemoteMember member = RemoteMember.connect(address, security, masterPool, requestTimeout)) {
            member.emergencyResetMaster(masterAddress, generation);
        }
    }

    @Override
    public List<HostId> recoverSlaves(String address) {
        try (RemoteMember member = remote(address)) {
            List<HostId> recovered = member.recoverSlaves().getRecoveredHostUuidsList().stream()
                    .map(HostId::of)
                    .toList();
            accept(address, member.pool());
            return recovered;
        }
    }

    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
    }

    /** A stub for one attempt of a call: it has what is left of the call's request timeout, no more. */
    private PoolServiceGrpc.PoolServiceStub stub(int member, long callDeadline) {
        long left = Math.max(1, callDeadline - System.nanoTime());
        return PoolServiceGrpc.newStub(channels.get(member)).withDeadlineAfter(left, TimeUnit.NANOSECONDS);
    }

    /** One PoolService method on a stub. */
    @FunctionalInterface
    private interface Rpc<Q, T> {
        void call(PoolServiceGrpc.PoolServiceStub stub, Q request, StreamObserver<T> out);
    }

    /**
     * Calls members in turn, starting with the last one that answered, until one of the pool answers or the request
     * timeout passes; only failures that mean "try elsewhere" move on. The request names the pinned pool at each
     * attempt, so the first answer pins it for the next attempts too.
     */
    private <Q extends Message, T extends Message> CompletableFuture<T> call(Q request, Rpc<Q, T> rpc) {
        return call(request, rpc, current.get(), System.nanoTime() + requestTimeout.toNanos());
    }

    /** As {@link #call(Message, Rpc)}, starting with member {@code first}, until {@code deadline} (nano time). */
    private <Q extends Message, T extends Message> CompletableFuture<T> call(
            Q request, Rpc<Q, T> rpc, int first, long deadline) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(new Call<>(request, rpc, result, deadline), first, 0);
        return result;
    }

    /**
     * One call in progress: the members found to serve another pool are skipped for the rest of it; {@code failures}
     * holds why each member tried last failed, for the message.
     */
    private record Call<Q extends Message, T extends Message>(
            Q request,
            Rpc<Q, T> rpc,
            CompletableFuture<T> result,
            long deadline,
            Map<Integer, String> foreign,
            Map<Integer, Failure> failures) {
        Call(Q request, Rpc<Q, T> rpc, CompletableFuture<T> result, long deadline) {
            this(request, rpc, result, deadline, new ConcurrentSkipListMap<>(), new ConcurrentSkipListMap<>());
        }
    }

    /** Why an attempt on one member failed; {@code unreachable}: no connection could be made, nothing was sent. */
    private record Failure(String reason, boolean unreachable) {}

    private <Q extends Message, T extends Message> void attempt(Call<Q, T> call, int member, int tried) {
        String address = addresses.get(member);
        Q request = PoolIdentity.naming(call.request(), pinned.get());
        call.rpc().call(stub(member, call.deadline()), request, new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                try {
                    accept(address, PoolIdentity.of(value));
                } catch (PoolException mismatch) {
                    notOfThePool(call, member, tried, mismatch, mismatch);
                    return;
                }
                current.set(member);
                reached.set(true);
                call.result().complete(value);
            }

            @Override
            public void onError(Throwable error) {
                Optional<PoolException> refused = PoolIdentity.refusal(address, pinned.get(), error);
                if (refused.isPresent()) {
                    notOfThePool(call, member, tried, refused.get(), error);
                    return;
                }
                Status.Code code = Status.fromThrowable(error).getCode();
                if (code == Status.Code.UNIMPLEMENTED && call.request() instanceof SubmitBatchRequest) {
                    // A member older than SubmitBatch: the caller sends its commands alone (sendBatch).
                    reached.set(true);
                    call.result().completeExceptionally(error);
                    return;
                }
                if (!elsewhere(code)) {
                    reached.set(true);
                    call.result().completeExceptionally(Errors.fromStatus(address, requestTimeout, error));
                    return;
                }
                Optional<String> unreachable = CallFailures.unreachable(error);
                if (CallFailures.fromMember(Status.fromThrowable(error))) {
                    reached.set(true);
                }
                call.failures()
                        .put(
                                member,
                                new Failure(CallFailures.describe(error, requestTimeout), unreachable.isPresent()));
                if (unreachable.isPresent() && !reached.get() && noMemberReachable(call)) {
                    // Nothing listens at any address given and no member ever answered this client (a wrong
                    // address, a pool that is down): say so now rather than retry for the whole request timeout.
                    // A client that reached the pool before waits, as for a member restarting or electing a master.
                    call.result().completeExceptionally(unreachableFailure(call));
                    return;
                }
                moveOn(call, member, tried, error);
            }

            @Override
            public void onCompleted() {}
        });
    }

    /** The most commands this client sent in one SubmitBatch (0: none yet); for tests. */
    int largestBatch() {
        return largestBatch.get();
    }

    /** Whether a call that failed with {@code code} may be tried on another member. */
    private static boolean elsewhere(Status.Code code) {
        return code == Status.Code.UNAVAILABLE
                || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.CANCELLED;
    }

    /**
     * A command waiting to be sent: its wire form, its caller's future, and when its request timeout runs out (nano
     * time), counted from the submit, so waiting for a batch counts against it.
     */
    private record PendingSubmit(
            io.poolkeeper.proto.PoolCommand command, CompletableFuture<ResultCodec.Reply> result, long deadline) {}

    /**
     * Sends a batch of the coalescer: one command as Submit; more as one SubmitBatch, unless a member of the pool
     * does not know it. Completes when the call is answered; the commands' futures are completed by then, except for
     * commands the member got no decision for, which are sent again alone, from the next member on, until their
     * deadlines (each has a request id, so a command applied after all is not applied twice).
     */
    private CompletionStage<?> sendBatch(List<PendingSubmit> batch) {
        if (batch.size() == 1 || batchUnsupported) {
            return CompletableFuture.allOf(
                    batch.stream().map(p -> sendAlone(p, current.get())).toArray(CompletableFuture[]::new));
        }
        largestBatch.accumulateAndGet(batch.size(), Math::max);
        SubmitBatchRequest.Builder request = SubmitBatchRequest.newBuilder().setPoolUuid(pinned.get());
        batch.forEach(p -> request.addCommands(p.command()));
        // The first command waited longest: the batch gets what is left of its timeout.
        return call(
                        request.build(),
                        PoolServiceGrpc.PoolServiceStub::submitBatch,
                        current.get(),
                        batch.get(0).deadline())
                .whenComplete((reply, error) -> {
                    if (error == null) {
                        deliver(batch, reply);
                    } else if (Errors.unwrap(error) instanceof io.grpc.StatusRuntimeException s
                            && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                        batchUnsupported = true;
                        batch.forEach(p -> sendAlone(p, current.get()));
                    } else {
                        batch.forEach(p -> p.result().completeExceptionally(error));
                    }
                });
    }

    /** Sends one command as Submit, starting with member {@code first}; completes its future. */
    private CompletableFuture<?> sendAlone(PendingSubmit pending, int first) {
        SubmitRequest request = SubmitRequest.newBuilder()
                .setCommand(pending.command())
                .setPoolUuid(pinned.get())
                .build();
        return call(request, PoolServiceGrpc.PoolServiceStub::submit, first, pending.deadline())
                .whenComplete((reply, error) -> {
                    if (error == null) {
                        pending.result().complete(ResultCodec.decode(reply.getResult()));
                    } else {
                        pending.result().completeExceptionally(error);
                    }
                });
    }

    /** Hands each command of {@code batch} its outcome in {@code reply}. */
    private void deliver(List<PendingSubmit> batch, SubmitBatchReply reply) {
        if (reply.getOutcomesCount() != batch.size()) {
            PoolException wrong = PoolException.of(
                    ErrorCode.INTERNAL_ERROR,
                    List.of(),
                    "a member answered " + reply.getOutcomesCount() + " outcomes to " + batch.size() + " commands");
            batch.forEach(p -> p.result().completeExceptionally(wrong));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            PendingSubmit pending = batch.get(i);
            SubmitOutcome outcome = reply.getOutcomes(i);
            if (outcome.hasResult()) {
                pending.result().complete(ResultCodec.decode(outcome.getResult()));
                continue;
            }
            Status status = Status.fromCodeValue(outcome.getFailure().getStatusCode())
                    .withDescription(outcome.getFailure().getDescription());
            if (elsewhere(status.getCode()) && System.nanoTime() < pending.deadline()) {
                // As a Submit failing so would: on the next member.
                sendAlone(pending, (current.get() + 1) % channels.size());
            } else {
                pending.result().completeExceptionally(Errors.fromStatus(status.asRuntimeException()));
            }
        }
    }

    /** The member serves another pool: skipped for the rest of the call; the call fails once every member is. */
    private <Q extends Message, T extends Message> void notOfThePool(
            Call<Q, T> call, int member, int tried, PoolException mismatch, Throwable error) {
        String prefix = ErrorCode.POOL_MISMATCH.name() + ": ";
        String why = mismatch.getMessage();
        call.foreign().put(member, why.startsWith(prefix) ? why.substring(prefix.length()) : why);
        if (call.foreign().size() == channels.size()) {
            call.result()
                    .completeExceptionally(PoolException.of(
                            ErrorCode.POOL_MISMATCH,
                            List.of(pinned.get()),
                            "no member given serves pool " + pinned.get() + ": "
                                    + String.join("; ", call.foreign().values())));
            return;
        }
        moveOn(call, member, tried, error);
    }

    /** Tries the next member of the pool, or fails with {@code error} once the request timeout passed. */
    private <Q extends Message, T extends Message> void moveOn(
            Call<Q, T> call, int member, int tried, Throwable error) {
        if (System.nanoTime() >= call.deadline()) {
            PoolException failure = noMemberReachable(call)
                    ? unreachableFailure(call)
                    : withOthers(call, member, Errors.fromStatus(addresses.get(member), requestTimeout, error));
            if (!call.foreign().isEmpty()) {
                failure = PoolException.of(
                        failure.code(),
                        failure.params(),
                        failure.getMessage() + " (not of pool " + pinned.get() + ": "
                                + String.join("; ", call.foreign().values()) + ")");
            }
            call.result().completeExceptionally(failure);
            return;
        }
        int next = (member + 1) % channels.size();
        while (call.foreign().containsKey(next)) {
            next = (next + 1) % channels.size();
        }
        // Back off once every member has been tried, so a pool electing a master is not hammered.
        long pauseMs = (tried + 1) % channels.size() == 0 ? 100 : 0;
        Executor later = CompletableFuture.delayedExecutor(pauseMs, TimeUnit.MILLISECONDS);
        int chosen = next;
        later.execute(() -> attempt(call, chosen, tried + 1));
    }

    /** Whether every member of the call not found to serve another pool was tried and could not be reached. */
    private boolean noMemberReachable(Call<?, ?> call) {
        boolean any = false;
        for (int i = 0; i < addresses.size(); i++) {
            if (call.foreign().containsKey(i)) {
                continue;
            }
            Failure failure = call.failures().get(i);
            if (failure == null || !failure.unreachable()) {
                return false;
            }
            any = true;
        }
        return any;
    }

    /** NO_MASTER naming every address given and why each could not be reached. */
    private PoolException unreachableFailure(Call<?, ?> call) {
        List<String> reasons = new ArrayList<>();
        call.failures().forEach((i, f) -> reasons.add(addresses.get(i) + " " + f.reason()));
        call.foreign().forEach((i, why) -> reasons.add(why));
        return PoolException.of(
                ErrorCode.NO_MASTER,
                addresses,
                "no member reachable among " + addresses + ": " + String.join("; ", reasons));
    }

    /** {@code failure} of the last member tried, followed by why the other members tried failed. */
    private PoolException withOthers(Call<?, ?> call, int last, PoolException failure) {
        List<String> others = new ArrayList<>();
        call.failures().forEach((i, f) -> {
            if (i != last) {
                others.add(addresses.get(i) + ": " + f.reason());
            }
        });
        if (others.isEmpty()) {
            return failure;
        }
        String prefix = failure.code().name() + ": ";
        String message = failure.getMessage().startsWith(prefix)
                ? failure.getMessage().substring(prefix.length())
                : failure.getMessage();
        return PoolException.of(
                failure.code(), failure.params(), message + " (also tried " + String.join("; ", others) + ")");
    }

    private final class RemotePool extends CommandPool {
        @Override
        public CompletableFuture<ResultCodec.Reply> submit(PoolCommand command) {
            PendingSubmit pending = new PendingSubmit(
                    CommandCodec.toProto(command),
                    new CompletableFuture<>(),
                    System.nanoTime() + requestTimeout.toNanos());
            coalescer.submit(pending);
            return pending.result();
        }

        @Override
        public CompletableFuture<PoolView> read(ReadConsistency consistency) {
            ReadRequest request = ReadRequest.newBuilder()
                    .setConsistency(io.poolkeeper.proto.ReadConsistency.valueOf(consistency.name()))
                    .build();
            return call(request, PoolServiceGrpc.PoolServiceStub::read)
                    .thenApply(reply -> SnapshotCodec.decode(reply.getState())
                            .toView(reply.getState().getLastEventSequence()));
        }

        @Override
        public CompletableFuture<Void> designateNewMaster(HostId host) {
            DesignateNewMasterRequest request = DesignateNewMasterRequest.newBuilder()
                    .setHostUuid(host.toString())
                    .build();
            return call(request, PoolServiceGrpc.PoolServiceStub::designateNewMaster)
                    .thenApply(reply -> {
                        CommandPool.resultOrThrow(ResultCodec.decode(reply.getResult()));
                        return null;
                    });
        }

        @Override
        public Subscription watch(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
            return new RemoteWatch(fromToken, listener, onError);
        }
    }

    /**
     * Follows events from one member, resuming from the last token on another member when the stream breaks. A member
     * of another pool refuses the stream, and events naming another pool end it: both move on to the next member.
     */
    private final class RemoteWatch implements Subscription {
        private final AtomicLong last;
        private final Consumer<PoolEvent> listener;
        private final Consumer<Throwable> onError;
        private volatile boolean closed;
        private volatile io.grpc.Context.CancellableContext context;

        RemoteWatch(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
            this.last = new AtomicLong(fromToken);
            this.listener = listener;
            this.onError = onError;
            open(current.get());
        }

        private void open(int member) {
            if (closed) {
                return;
            }
            io.grpc.Context.CancellableContext stream =
                    io.grpc.Context.current().withCancellation();
            context = stream;
            WatchRequest request = WatchRequest.newBuilder()
                    .setFromToken(last.get())
                    .setPoolUuid(pinned.get())
                    .build();
            stream.run(() -> PoolServiceGrpc.newStub(channels.get(member)).watch(request, new StreamObserver<>() {
                @Override
                public void onNext(io.poolkeeper.proto.PoolEvent event) {
                    if (closed) {
                        return; // closed from a listener: no event after that
                    }
                    try {
                        accept(addresses.get(member), PoolIdentity.of(event));
                    } catch (PoolException mismatch) {
                        // onError follows the cancellation and opens the next member.
                        stream.cancel(mismatch);
                        return;
                    }
                    PoolEvent e = EventCodec.fromProto(event);
                    if (isEventsLost(e)) {
                        // Numbering restarts after it (token 0: a new generation's events from 1).
                        last.set(e.token());
                        EventDelivery.deliver(e, listener, onError);
                    } else if (e.kind() == PoolEvent.Kind.ALERT || e.token() > last.get()) {
                        last.set(Math.max(last.get(), e.token()));
                        // Inside onNext a throw would cancel the stream and silently skip to another member.
                        EventDelivery.deliver(e, listener, onError);
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

        private static boolean isEventsLost(PoolEvent e) {
            return e.kind() == PoolEvent.Kind.ALERT
                    && e.name().equals("EVENTS_LOST")
                    && (e.params().isEmpty() || e.params().containsKey("from-token"));
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
