package io.poolkeeper.ha.sim;

import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * Virtual time for the simulator: one real time in nanoseconds and a queue of events ordered by time, then by the
 * order they were scheduled (so a run is deterministic). After every event the observer runs, which is where the
 * invariants are checked.
 */
final class Scheduler {
    private record Event(long at, long seq, Runnable action) {}

    private final PriorityQueue<Event> queue =
            new PriorityQueue<>(Comparator.comparingLong(Event::at).thenComparingLong(Event::seq));
    private long now;
    private long seq;
    private Runnable observer = () -> {};

    long now() {
        return now;
    }

    void observe(Runnable observer) {
        this.observer = observer;
    }

    /** Runs {@code action} {@code delay} nanoseconds from now. */
    void after(long delay, Runnable action) {
        at(now + delay, action);
    }

    void at(long when, Runnable action) {
        queue.add(new Event(Math.max(when, now), seq++, action));
    }

    /**
     * Runs {@code body} at {@code phase + k·period} for k = 0, 1, … while {@code alive} says so when it comes due: a
     * stopped periodic task simply drops out of the queue.
     */
    void periodic(double phase, double period, BooleanSupplier alive, Runnable body) {
        schedule(phase, period, 0, alive, body);
    }

    private void schedule(double phase, double period, long k, BooleanSupplier alive, Runnable body) {
        at((long) Math.ceil(phase + k * period), () -> {
            if (alive.getAsBoolean()) {
                body.run();
                schedule(phase, period, k + 1, alive, body);
            }
        });
    }

    /** Runs every event up to and including virtual time {@code until}. */
    void runUntil(long until) {
        while (!queue.isEmpty() && queue.peek().at() <= until) {
            Event event = queue.poll();
            now = event.at();
            event.action().run();
            observer.run();
        }
        now = Math.max(now, until);
    }
}
