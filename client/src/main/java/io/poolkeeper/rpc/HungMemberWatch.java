package io.poolkeeper.rpc;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.proto.MemberStatus;
import io.poolkeeper.proto.MemberStatusRequest;
import io.poolkeeper.proto.PoolServiceGrpc;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Notices that a member stopped answering while a call waits on it: a hung process, a powered-off host or a pulled
 * cable answers nothing, and its connection stays open, so the call would wait out the whole request timeout on the
 * old master while a new one already serves (gRPC's keepalive pings cannot come sooner than every 10 s). While an
 * attempt is unanswered, the member is asked for its status every {@link #PROBE_EVERY}; one such question unanswered
 * within {@link #PROBE_DEADLINE} abandons the attempt, and the call goes on to the next member with the same request,
 * whose request id makes a second application impossible. A slow answer (a VM start waits for its host's agent) is
 * no hang: a member that answers its status is waited for.
 *
 * <p>One timer thread per client, idle while answers come in time: an attempt answered before its first question
 * takes its timer entry back, so a busy client wakes nothing. Thread-safe.
 */
final class HungMemberWatch implements AutoCloseable {
    /** How long an attempt waits before its member is first asked, and between questions. */
    static final Duration PROBE_EVERY = Duration.ofMillis(500);
    /** A member that does not answer its status within this is taken for hung. */
    static final Duration PROBE_DEADLINE = Duration.ofMillis(500);

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "poolkeeper-client-hung-member-watch");
        t.setDaemon(true);
        return t;
    });

    HungMemberWatch() {
        timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * Watches one attempt on {@code channel} until {@code done} completes; runs {@code abandon} once if the member
     * stops answering. {@code pool} names the pool the status questions are for.
     */
    void watch(ManagedChannel channel, Supplier<String> pool, CompletableFuture<?> done, Runnable abandon) {
        if (done.isDone()) {
            return;
        }
        ScheduledFuture<?> question;
        try {
            question = timer.schedule(
                    () -> ask(channel, pool, done, abandon), PROBE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The client is closing: its channels fail what is still in flight, watched or not.
            return;
        }
        done.whenComplete((r, e) -> question.cancel(false));
    }

    private void ask(ManagedChannel channel, Supplier<String> pool, CompletableFuture<?> done, Runnable abandon) {
        if (done.isDone()) {
            return;
        }
        PoolServiceGrpc.newStub(channel)
                .withDeadlineAfter(PROBE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .getMemberStatus(
                        MemberStatusRequest.newBuilder().setPoolUuid(pool.get()).build(),
                        new StreamObserver<MemberStatus>() {
                            @Override
                            public void onNext(MemberStatus value) {}

                            @Override
                            public void onError(Throwable error) {
                                if (Status.fromThrowable(error).getCode() == Status.Code.DEADLINE_EXCEEDED) {
                                    if (!done.isDone()) {
                                        abandon.run();
                                    }
                                } else {
                                    // Any other answer (a refusal, a closed connection) comes from a member that is
                                    // there, or fails the attempt by itself.
                                    watch(channel, pool, done, abandon);
                                }
                            }

                            @Override
                            public void onCompleted() {
                                watch(channel, pool, done, abandon);
                            }
                        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
