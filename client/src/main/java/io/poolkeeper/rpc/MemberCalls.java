package io.poolkeeper.rpc;

import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.SubmitBatchRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client's calls to the members of its pool: each call goes to the member that answered last; when a member is
 * unreachable, has no master or stops answering ({@link HungMemberWatch}) it moves to the next one, until the request
 * timeout runs out. Only failures that mean "try elsewhere" move on; any other failure, and any answer, ends the call.
 *
 * <p>Pool identity ({@link PoolIdentity}): the calls are pinned to the pool given, else to the pool of the first member
 * that answers, and name it in every request. A member of another pool refuses such a request, and an answer naming
 * another pool is refused here; either way that member counts as no member of the pool for the call, which moves on
 * to the next address, and fails with POOL_MISMATCH when no address serves the pool.
 *
 * <p>Thread-safe: calls run concurrently, each completing its future on gRPC's threads.
 */
final class MemberCalls {
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<String> addresses;
    private final Duration requestTimeout;
    private final AtomicInteger current = new AtomicInteger();
    /** Whether any member ever answered: until then, addresses that all refuse fail a call at once. */
    private final AtomicBoolean reached = new AtomicBoolean();
    /** The pool uuid the calls serve; empty until given or learned. */
    private final AtomicReference<String> pinned;

    private final HungMemberWatch hung = new HungMemberWatch();

    MemberCalls(List<String> addresses, Duration requestTimeout, Optional<PoolId> pool, TransportSecurity security) {
        this.addresses = List.copyOf(addresses);
        this.requestTimeout = requestTimeout;
        this.pinned = new AtomicReference<>(pool.map(PoolId::toString).orElse(""));
        for (String address : addresses) {
            channels.add(security.channel(address).build());
        }
    }

    /** One PoolService method on a stub. */
    @FunctionalInterface
    interface Rpc<Q, T> {
        void call(PoolServiceGrpc.PoolServiceStub stub, Q request, StreamObserver<T> out);
    }

    /** The number of member addresses. */
    int size() {
        return channels.size();
    }

    /** The member that answered last, where the next call starts. */
    int current() {
        return current.get();
    }

    String address(int member) {
        return addresses.get(member);
    }

    ManagedChannel channel(int member) {
        return channels.get(member);
    }

    Duration requestTimeout() {
        return requestTimeout;
    }

    /** The pool uuid the calls are pinned to; empty until given or learned. */
    String pinned() {
        return pinned.get();
    }

    /**
     * Takes an answer of the member at {@code address}, which serves {@code served}: pins that pool if none is yet.
     *
     * @throws PoolException POOL_MISMATCH when the calls are pinned to another pool
     */
    void accept(String address, String served) {
        String pool = PoolIdentity.check(address, pinned.get(), served);
        if (!pinned.compareAndSet("", pool)) {
            // Pinned meanwhile, maybe by another call's answer from another pool.
            PoolIdentity.check(address, pinned.get(), served);
        }
    }

    /**
     * Runs {@code abandon} once if {@code member} stops answering before {@code done} completes ({@link
     * HungMemberWatch}): for a stream, which, unlike a call, has no answer to wait for.
     */
    void abandonIfHung(int member, CompletableFuture<?> done, Runnable abandon) {
        hung.watch(channels.get(member), pinned::get, done, abandon);
    }

    void close() {
        hung.close();
        channels.forEach(ManagedChannel::shutdownNow);
    }

    /** Whether a call that failed with {@code code} may be tried on another member. */
    static boolean elsewhere(Status.Code code) {
        return code == Status.Code.UNAVAILABLE
                || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.CANCELLED;
    }

    /**
     * Calls members in turn, starting with the last one that answered, until one of the pool answers or the request
     * timeout passes. The request names the pinned pool at each attempt, so the first answer pins it for the next
     * attempts too.
     */
    <Q extends Message, T extends Message> CompletableFuture<T> call(Q request, Rpc<Q, T> rpc) {
        return call(request, rpc, current.get(), System.nanoTime() + requestTimeout.toNanos());
    }

    /** As {@link #call(Message, Rpc)}, starting with member {@code first}, until {@code deadline} (nano time). */
    <Q extends Message, T extends Message> CompletableFuture<T> call(
            Q request, Rpc<Q, T> rpc, int first, long deadline) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(new Call<>(request, rpc, result, deadline), first, 0);
        return result;
    }

    /** A stub for one attempt of a call: it has what is left of the call's request timeout, no more. */
    private PoolServiceGrpc.PoolServiceStub stub(int member, long callDeadline) {
        long left = Math.max(1, callDeadline - System.nanoTime());
        return PoolServiceGrpc.newStub(channels.get(member)).withDeadlineAfter(left, TimeUnit.NANOSECONDS);
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
        // Cancelled if the member stops answering (HungMemberWatch): the attempt then fails CANCELLED and moves on. A
        // context of its own, from the root: the thread sending it may be running a callback of another call, in that
        // call's context (the coalescer sends the next batch from the last one's answer), and a child of that context
        // would be cancelled with it and keep a link to it; the attempt has its own deadline anyway.
        Context.CancellableContext attempt = Context.ROOT.withCancellation();
        CompletableFuture<Void> answered = new CompletableFuture<>();
        AtomicBoolean settled = new AtomicBoolean();
        call.result().whenComplete((r, e) -> answered.complete(null));
        attempt.run(() -> call.rpc().call(stub(member, call.deadline()), request, new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                if (!settled.compareAndSet(false, true)) {
                    return;
                }
                answered.complete(null);
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
                if (!settled.compareAndSet(false, true)) {
                    return; // cancelled as hung just as its answer came: answered already
                }
                answered.complete(null);
                if (call.result().isDone()) {
                    return;
                }
                Optional<PoolException> refused = PoolIdentity.refusal(address, pinned.get(), error);
                if (refused.isPresent()) {
                    notOfThePool(call, member, tried, refused.get(), error);
                    return;
                }
                Status.Code code = Status.fromThrowable(error).getCode();
                if (code == Status.Code.UNIMPLEMENTED && call.request() instanceof SubmitBatchRequest) {
                    // A member older than SubmitBatch: the caller sends its commands alone (RemoteSubmits).
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
        }));
        abandonIfHung(
                member,
                answered,
                () -> attempt.cancel(new IllegalStateException("no answer to a status question within "
                        + CallFailures.seconds(HungMemberWatch.PROBE_DEADLINE) + ": the member seems hung")));
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
}
