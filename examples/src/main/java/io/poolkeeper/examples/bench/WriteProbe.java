package io.poolkeeper.examples.bench;

import io.poolkeeper.api.Pool;
import io.poolkeeper.api.model.VmId;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client that keeps attempting a write: one {@code vm-param-set name-label} every {@link #PERIOD_MILLIS}, each
 * attempt independent of the others (an attempt stuck on the dead master does not hold back the next one). After
 * {@link #markKill} it records when the first attempt started after the kill was acknowledged.
 */
final class WriteProbe implements AutoCloseable {
    static final long PERIOD_MILLIS = 5;

    private final Pool pool;
    private final VmId vm;
    private final ScheduledExecutorService timer;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private volatile long killedAt = Long.MAX_VALUE;
    private final AtomicLong firstAckAfterKill = new AtomicLong(Long.MAX_VALUE);

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
        pool.setVmParam(vm, "name-label", "probe-" + sequence.incrementAndGet())
                .whenComplete((ok, error) -> {
                    if (error != null) {
                        return;
                    }
                    long done = System.nanoTime();
                    acknowledged.incrementAndGet();
                    if (sent >= killedAt) {
                        firstAckAfterKill.accumulateAndGet(done, Math::min);
                    }
                });
    }

    /** Writes acknowledged so far. */
    long acknowledged() {
        return acknowledged.get();
    }

    /** From now on, the first acknowledgement of an attempt started at or after {@code nanoTime} is recorded. */
    void markKill(long nanoTime) {
        killedAt = nanoTime;
    }

    boolean resumed() {
        return firstAckAfterKill.get() != Long.MAX_VALUE;
    }

    /** Milliseconds from the kill to the first acknowledged write attempted after it. */
    double resumeMillis() {
        return (firstAckAfterKill.get() - killedAt) / 1e6;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
