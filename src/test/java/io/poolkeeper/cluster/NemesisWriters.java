package io.poolkeeper.cluster;

import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.pool.CommandPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The writers of {@link NemesisTest} and their ledger. Each writer creates VMs, a few in flight, through a pool
 * handle it asks for anew before every write (an embedded member's, which is gone while that host is down, or a remote
 * client's). A write is <b>acknowledged</b> when the pool answered it with a result: the command was committed in the
 * pool's current generation and applied. Any other answer (unavailable, fenced, stale, timed out, no answer in {@link
 * #ANSWER_WITHIN_SECONDS}) is not an acknowledgement, whether or not the write was in fact applied.
 *
 * <p>Thread-safe.
 */
final class NemesisWriters implements AutoCloseable {
    /** A write unanswered for this long counts as not acknowledged (the ledger then stops waiting for it). */
    static final long ANSWER_WITHIN_SECONDS = 20;

    private final Set<LoadWriters.Write> acknowledged = ConcurrentHashMap.newKeySet();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private final AtomicInteger sequence = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Semaphore> windows = new ArrayList<>();
    /** Per writer: when it last had a write acknowledged (or started), and its latest failure. */
    private final AtomicLongArray lastAcknowledged;

    private final AtomicReferenceArray<String> lastFailure;
    private final int inFlight;
    private volatile boolean stopped;

    /**
     * Starts one writer per handle supplier; a supplier returns null while its pool cannot be reached at all (its
     * member is down), and the writer waits a little.
     */
    NemesisWriters(List<Supplier<CommandPool>> via, int inFlight) {
        this.inFlight = inFlight;
        this.lastAcknowledged = new AtomicLongArray(via.size());
        this.lastFailure = new AtomicReferenceArray<>(via.size());
        for (int i = 0; i < via.size(); i++) {
            lastAcknowledged.set(i, System.nanoTime());
            Semaphore window = new Semaphore(inFlight);
            windows.add(window);
            Supplier<CommandPool> handle = via.get(i);
            int writer = i;
            Thread t = new Thread(() -> run(writer, handle, window), "nemesis-writer-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    private void run(int writer, Supplier<CommandPool> handle, Semaphore window) {
        AtomicBoolean failing = new AtomicBoolean();
        while (!stopped) {
            try {
                window.acquire();
            } catch (InterruptedException e) {
                return;
            }
            if (failing.getAndSet(false)) {
                // A fenced or stale member refuses at once: pacing, or the writer would spin on the 2 cores.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            CommandPool pool = stopped ? null : handle.get();
            if (pool == null) {
                window.release();
                // Pacing while the member is down, not a wait for a condition.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                continue;
            }
            int n = sequence.incrementAndGet();
            LoadWriters.Write write =
                    new LoadWriters.Write("nemesis/" + n, VmId.random(), "nemesis-" + n, System.nanoTime());
            CompletableFuture<ResultCodec.Reply> sent;
            try {
                sent = pool.submit(write.command());
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.orTimeout(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS).whenComplete((reply, error) -> {
                if (error == null && reply.rejection().isEmpty()) {
                    acknowledged.add(write);
                    lastAcknowledged.set(writer, System.nanoTime());
                } else if (error == null) {
                    refused.add(write + " refused: " + reply.rejection().get());
                } else {
                    failures.computeIfAbsent(kind(error), k -> new AtomicLong()).incrementAndGet();
                    lastFailure.set(writer, kind(error));
                    failing.set(true);
                }
                window.release();
            });
        }
    }

    private static String kind(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof PoolException p ? p.code().name() : t.getClass().getSimpleName();
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    /** The acknowledged writes {@code state} lacks. */
    List<LoadWriters.Write> acknowledgedMissingFrom(PoolState state) {
        return acknowledged.stream().filter(w -> !w.in(state)).toList();
    }

    /** Fresh creates the pool refused: none is expected (a fresh uuid and name). */
    List<String> refused() {
        return List.copyOf(refused);
    }

    /** How many writes failed, by error code or exception. */
    Map<String, Long> failures() {
        Map<String, Long> out = new TreeMap<>();
        failures.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /**
     * Per writer, in the order of the handles: how long ago it last had a write acknowledged and its latest failure.
     * A writer that stands still while the others go on points at its member's write path.
     */
    String progress() {
        StringBuilder s = new StringBuilder();
        long now = System.nanoTime();
        for (int i = 0; i < lastAcknowledged.length(); i++) {
            s.append(String.format(
                    "%n  writer %d: last acknowledged %.1f s ago, latest failure %s",
                    i, (now - lastAcknowledged.get(i)) / 1e9, Objects.requireNonNullElse(lastFailure.get(i), "none")));
        }
        return s.toString();
    }

    /** Stops the writers and waits until every write sent has its answer or gave up waiting. */
    void stop() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(ANSWER_WITHIN_SECONDS));
        }
        for (Semaphore window : windows) {
            if (!window.tryAcquire(inFlight, ANSWER_WITHIN_SECONDS + 5, TimeUnit.SECONDS)) {
                throw new AssertionError("a write never completed, not even by its timeout");
            }
        }
    }

    @Override
    public void close() {
        stopped = true;
        threads.forEach(Thread::interrupt);
    }
}
