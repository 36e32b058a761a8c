package io.poolkeeper.cluster;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.testing.TestingPool;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The invariants {@link NemesisTest} checks all along, every {@value #PERIOD_MILLIS} ms, on the real runtime:
 *
 * <ul>
 *   <li>no VM runs on two unfenced hosts: the simulated hypervisors' ground truth right now (and {@code
 *       HypervisorWorld.violations()}, which the test reads at the end, records every moment it happened);
 *   <li>one committed history per generation: any two members that applied the same log index of the same generation
 *       hold the same state. Two masters accepting writes in one generation (a split brain, or a re-founding on both
 *       sides of a tie) would commit different entries at some index, and members of both sides would disagree there.
 * </ul>
 *
 * <p>Thread-safe; violations are collected, the test asserts there are none.
 */
final class NemesisWatch implements AutoCloseable {
    static final long PERIOD_MILLIS = 50;

    /** A state seen at one (generation, log index), by whom. */
    private record Seen(int hash, int host, String master) {}

    private record Position(long generation, long logIndex) {}

    private final TestingPool pool;
    private final long startNanos;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nemesis-watch");
        t.setDaemon(true);
        return t;
    });
    private final Map<Position, Seen> history = new HashMap<>();
    private final Map<Integer, AppliedState> lastChecked = new HashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicLong samples = new AtomicLong();

    NemesisWatch(TestingPool pool, long startNanos) {
        this.pool = pool;
        this.startNanos = startNanos;
        executor.scheduleWithFixedDelay(this::sample, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        try {
            samples.incrementAndGet();
            SortedMap<VmId, SortedSet<HostId>> twice = pool.world().vmsRunningTwice();
            if (!twice.isEmpty()) {
                violation("VMs running on two unfenced hosts: " + twice);
            }
            for (int i = 0; i < pool.size(); i++) {
                RatisPoolMember m;
                try {
                    m = pool.isRunning(i) ? pool.member(i) : null;
                } catch (IllegalStateException e) {
                    m = null; // went down meanwhile
                }
                if (m != null) {
                    check(i, m.applied());
                }
            }
        } catch (RuntimeException e) {
            violation("the watch failed: " + e);
        }
    }

    private void check(int host, AppliedState applied) {
        if (applied.state().pool().isEmpty() || lastChecked.get(host) == applied) {
            return;
        }
        lastChecked.put(host, applied);
        Position at = new Position(applied.state().requirePool().generation(), applied.logIndex());
        Seen seen = new Seen(
                applied.state().hashCode(),
                host,
                applied.state().requirePool().master().map(Object::toString).orElse("none"));
        Seen before = history.putIfAbsent(at, seen);
        if (before != null && before.hash() != seen.hash()) {
            violation("two histories in generation " + at.generation() + ": at log index " + at.logIndex() + " host"
                    + before.host() + " (master " + before.master() + ") and host" + host + " (master "
                    + seen.master() + ") hold different states");
        }
    }

    private void violation(String what) {
        if (violations.size() < 20) {
            String stamped = String.format("t=%.2fs %s", (System.nanoTime() - startNanos) / 1e9, what);
            System.out.println("nemesis VIOLATION " + stamped);
            violations.add(stamped);
        }
    }

    List<String> violations() {
        return new ArrayList<>(violations);
    }

    long samples() {
        return samples.get();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
