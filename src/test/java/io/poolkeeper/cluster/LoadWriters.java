package io.poolkeeper.cluster;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.IndeterminateOutcomeException;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolUnavailableException;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.pool.CommandPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Writer threads that create VMs concurrently, each through its own {@link CommandPool} (an embedded member's or a
 * remote client's) with a few commands in flight (a writer stops when its embedded member is closed), and keep a
 * ledger: what the pool acknowledged, and what failed with an outcome the caller cannot know ({@link
 * PoolUnavailableException}, {@link IndeterminateOutcomeException}). Anything else (a refusal of a fresh create,
 * another exception, a future that never completes) is recorded as unexpected.
 *
 * <p>Each write creates its own VM (a fresh uuid and name), so whether a write is in a state is read from the VM
 * itself. Each write also carries its own request id, so {@link #resolveUncertain} can retry exactly the command
 * that was sent.
 */
final class LoadWriters implements AutoCloseable {
    /** The longest a write may stay unanswered; beyond it the member or client hangs, which is a bug. */
    static final long ANSWER_WITHIN_SECONDS = 30;

    /** The memory of every VM written. */
    static final long MEMORY = 1L << 20;

    /** One vm-create, with the request id it was sent under and when it was sent ({@link System#nanoTime}). */
    record Write(String requestId, VmId vm, String nameLabel, long sentNanos) {
        PoolCommand command() {
            return new PoolCommand(
                    requestId,
                    0,
                    0,
                    new Operation.VmCreate(vm, nameLabel, MEMORY, 1, Optional.empty(), HaRestartPriority.NONE, 0));
        }

        /**
         * Whether {@code state} holds this write's VM, as created. Never judged by the request id: the pool remembers
         * ids only for a while (its de-duplication window), VMs for ever.
         */
        boolean in(PoolState state) {
            var created = state.vms().get(vm);
            return created != null && created.nameLabel().equals(nameLabel) && created.memory() == MEMORY;
        }
    }

    final Set<Write> acknowledged = ConcurrentHashMap.newKeySet();
    final Set<Write> uncertain = ConcurrentHashMap.newKeySet();
    final List<String> unexpected = new CopyOnWriteArrayList<>();
    private final AtomicInteger beyondWindow = new AtomicInteger();
    private final AtomicInteger sequence = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Semaphore> windows = new ArrayList<>();
    private final int inFlight;
    private final String prefix;
    private volatile boolean stopped;

    /**
     * Starts one writer per pool in {@code via}.
     *
     * @param prefix names the writes (request ids and name labels), unique within a test
     * @param inFlight the most writes each writer has in flight
     */
    LoadWriters(String prefix, List<? extends CommandPool> via, int inFlight) {
        this.prefix = prefix;
        this.inFlight = inFlight;
        for (int i = 0; i < via.size(); i++) {
            CommandPool pool = via.get(i);
            Semaphore window = new Semaphore(inFlight);
            windows.add(window);
            int writer = i;
            Thread t = new Thread(() -> run(writer, pool, window), prefix + "-writer-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    private void run(int writer, CommandPool pool, Semaphore window) {
        AtomicBoolean memberGone = new AtomicBoolean();
        while (!stopped && !memberGone.get()) {
            try {
                window.acquire();
            } catch (InterruptedException e) {
                return;
            }
            if (stopped) {
                window.release();
                return;
            }
            int n = sequence.incrementAndGet();
            Write write = new Write(prefix + "/" + n, VmId.random(), prefix + "-" + n, System.nanoTime());
            submit(writer, pool, write).whenComplete((r, e) -> {
                // An embedded member that was closed takes no more writes: its writer stops.
                if (unwrap(e) instanceof PoolException p && p.code() == ErrorCode.MEMBER_NOT_RUNNING) {
                    memberGone.set(true);
                }
                window.release();
            });
        }
    }

    private CompletableFuture<ResultCodec.Reply> submit(int writer, CommandPool pool, Write write) {
        CompletableFuture<ResultCodec.Reply> sent;
        try {
            sent = pool.submit(write.command());
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.applyToEither(unanswered(), r -> r).whenComplete((reply, error) -> {
            if (error == null && reply.rejection().isEmpty()) {
                acknowledged.add(write);
            } else if (error == null) {
                unexpected.add(write + " through writer " + writer + " refused: "
                        + reply.rejection().get());
            } else if (isUncertain(error)) {
                uncertain.add(write);
            } else {
                unexpected.add(write + " through writer " + writer + " failed: " + unwrap(error));
            }
        });
    }

    /** The acknowledged writes that {@code state} lacks. */
    List<Write> acknowledgedMissingFrom(PoolState state) {
        return acknowledged.stream().filter(w -> !w.in(state)).toList();
    }

    /** The uncertain writes that {@code state} lacks: none once {@link #resolveUncertain} succeeded. */
    List<Write> uncertainMissingFrom(PoolState state) {
        return uncertain.stream().filter(w -> !w.in(state)).toList();
    }

    /** Fails when a write stays unanswered too long: a hang, never an uncertain outcome. */
    private static CompletableFuture<ResultCodec.Reply> unanswered() {
        CompletableFuture<ResultCodec.Reply> hang = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS)
                .execute(() -> hang.completeExceptionally(
                        new AssertionError("no answer within " + ANSWER_WITHIN_SECONDS + " s")));
        return hang;
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    /** The acknowledged writes sent at or after {@code nanos} ({@link System#nanoTime}). */
    long acknowledgedSentSince(long nanos) {
        return acknowledged.stream().filter(w -> w.sentNanos() - nanos >= 0).count();
    }

    /** Stops the writers and waits until every write sent has its answer. */
    void stop() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(ANSWER_WITHIN_SECONDS));
        }
        for (Semaphore window : windows) {
            if (!window.tryAcquire(inFlight, ANSWER_WITHIN_SECONDS + 5, TimeUnit.SECONDS)) {
                unexpected.add("writes still unanswered after " + ANSWER_WITHIN_SECONDS + " s");
            }
        }
    }

    /**
     * Sends every uncertain write again under its own request id, through {@code pool}, until the pool answers: the
     * answer must be the original success. A command that had been applied is not applied again (its request id is
     * known), and one that had not been is applied now; a refusal ("already exists") would mean it was applied as a
     * new command a second time.
     *
     * <p>The pool promises this only while it remembers the request id, in its de-duplication window. A write that
     * {@code current} (the pool's state now, the writers stopped) holds although its id has left the window was
     * applied, and a retry would rightly be refused as a second create: it is not sent, and counted in {@link
     * #beyondWindow()}.
     */
    List<String> resolveUncertain(CommandPool pool, Supplier<PoolState> current) {
        List<String> problems = new ArrayList<>();
        for (Write write : uncertain) {
            PoolState now = current.get();
            if (now.requests().find(write.requestId()).isEmpty() && write.in(now)) {
                beyondWindow.incrementAndGet();
                continue;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_WITHIN_SECONDS);
            while (true) {
                try {
                    ResultCodec.Reply reply = pool.submit(write.command()).get(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS);
                    if (reply.rejection().isPresent()) {
                        problems.add(write + " refused when retried: "
                                + reply.rejection().get());
                    }
                    break;
                } catch (ExecutionException e) {
                    if (!isUncertain(e) || System.nanoTime() > deadline) {
                        problems.add(write + " failed when retried: " + unwrap(e));
                        break;
                    }
                } catch (TimeoutException e) {
                    problems.add(write + " unanswered when retried");
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    problems.add("interrupted");
                    return problems;
                }
            }
        }
        return problems;
    }

    /** The uncertain writes {@link #resolveUncertain} found applied with their request id no longer remembered. */
    int beyondWindow() {
        return beyondWindow.get();
    }

    /**
     * Whether {@code error} leaves the outcome of a write unknown: unavailable or indeterminate. A bare {@link
     * TimeoutException} counts too: MemberPool applies its own request timeout after translating errors, so that
     * timeout reaches the caller untranslated instead of as {@code TIMEOUT} (reported; it means the same).
     */
    static boolean isUncertain(Throwable error) {
        Throwable t = unwrap(error);
        return t instanceof PoolUnavailableException
                || t instanceof IndeterminateOutcomeException
                || t instanceof TimeoutException;
    }

    private static Throwable unwrap(Throwable error) {
        if (error == null) {
            return null;
        }
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public void close() {
        stopped = true;
        threads.forEach(Thread::interrupt);
    }
}
