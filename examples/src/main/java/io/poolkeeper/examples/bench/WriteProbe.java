package io.poolkeeper.examples.bench;

import io.poolkeeper.api.Pool;
import io.poolkeeper.api.model.VmId;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client that keeps attempting a write: one {@code vm-param-set name-label} every {@link #PERIOD_MILLIS}, each
 * attempt independent of the others (an attempt stuck on the dead master does not hold back the next one). Records
 * when each attempt was sent and acknowledged, to find the outage around a kill.
 */
final class WriteProbe implements AutoCloseable {
    static final long PERIOD_MILLIS = 5;

    /**
     * One acknowledged attempt.
     *
     * @param sent when it was sent ({@link System#nanoTime})
     * @param acknowledged when its acknowledgement arrived
     */
    record Ack(long sent, long acknowledged) {}

    private final Pool pool;
    private final VmId vm;
    private final ScheduledExecutorService timer;
    private final AtomicLong sequence = new AtomicLong();
    private final Queue<Ack> acks = new ConcurrentLinkedQueue<>();

    WriteProbe(String name, Pool pool, VmId vm) {
        this.pool = pool;
        this.vm = vm;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "probe-" + name);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::attempt, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void attempt() {
        long sent = System.nanoTime();
        pool.setVmParam(vm, "name-label", "probe-" + sequence.incrementAndGet()).whenComplete((ok, error) -> {
            if (error == null) {
                acks.add(new Ack(sent, System.nanoTime()));
            }
        });
    }

    /** Whether an attempt sent at or after {@code nanoTime} was acknowledged. */
    boolean acknowledgedSentAfter(long nanoTime) {
        return acks.stream().anyMatch(a -> a.sent() >= nanoTime);
    }

    /**
     * The outage a kill at {@code killedAt} caused: the longest time without any acknowledgement that ends after the
     * kill, from the last acknowledgement before it (at most 1 s before the kill) to the first one after it.
     */
    Outage outage(long killedAt) {
        long[] times = acks.stream()
                .mapToLong(Ack::acknowledged)
                .filter(t -> t >= killedAt - 1_000_000_000L)
                .sorted()
                .toArray();
        Outage longest = new Outage(killedAt, killedAt);
        for (int i = 1; i < times.length; i++) {
            if (times[i] > killedAt && times[i] - times[i - 1] > longest.millis() * 1e6) {
                longest = new Outage(times[i - 1], times[i]);
            }
        }
        return longest;
    }

    /**
     * A time without acknowledged writes.
     *
     * @param lastBefore the last acknowledgement before it ({@link System#nanoTime})
     * @param firstAfter the first acknowledgement after it
     */
    record Outage(long lastBefore, long firstAfter) {
        double millis() {
            return (firstAfter - lastBefore) / 1e6;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
