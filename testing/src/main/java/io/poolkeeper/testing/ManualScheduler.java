package io.poolkeeper.testing;

import io.poolkeeper.port.Scheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

/**
 * A {@link Scheduler} driven by hand: time stands still until {@link #advance} moves it, and ticks and duties run
 * only inside {@link #advance} and {@link #runPending}, on the calling thread, in a fixed order (due ticks by time,
 * then the duties they queued). A test or a simulator decides exactly when each timeout of the member runtime
 * elapses.
 *
 * <p>Thread-safe: other threads (Raft, gRPC callbacks) may queue duties; they run at the next {@code runPending}.
 */
public final class ManualScheduler implements Scheduler {
    private record Periodic(long periodNanos, Runnable task, long[] next) {}

    private final List<Periodic> ticks = new ArrayList<>();
    private final Queue<Runnable> duties = new ArrayDeque<>();
    private long now;
    private boolean closed;

    /** Starts at virtual time {@code start} nanoseconds. */
    public ManualScheduler(long start) {
        this.now = start;
    }

    @Override
    public synchronized long nanos() {
        return now;
    }

    @Override
    public void execute(Runnable duty) {
        synchronized (this) {
            if (closed) {
                return;
            }
            duties.add(duty);
        }
    }

    @Override
    public synchronized void every(Duration period, Runnable tick) {
        if (closed) {
            return;
        }
        long p = Math.max(1, period.toNanos());
        ticks.add(new Periodic(p, tick, new long[] {now + p}));
    }

    /** Moves time forward by {@code by}, running every tick that falls due on the way (in time order). */
    public void advance(Duration by) {
        long target;
        synchronized (this) {
            target = now + by.toNanos();
        }
        while (true) {
            Periodic due = null;
            synchronized (this) {
                for (Periodic p : ticks) {
                    if (p.next()[0] <= target && (due == null || p.next()[0] < due.next()[0])) {
                        due = p;
                    }
                }
                if (due == null || closed) {
                    now = Math.max(now, target);
                    break;
                }
                now = due.next()[0];
                due.next()[0] += due.periodNanos();
            }
            due.task().run();
            runPending();
        }
        runPending();
    }

    /** Runs the duties queued so far (and those they queue), without moving time. */
    public void runPending() {
        while (true) {
            Runnable duty;
            synchronized (this) {
                duty = closed ? null : duties.poll();
            }
            if (duty == null) {
                return;
            }
            duty.run();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        ticks.clear();
        duties.clear();
    }
}
