package io.poolkeeper.ratis;

import java.util.function.LongSupplier;

/**
 * Where a leader's command stamps come from: the replicated pool time it finds when it starts stamping, carried on
 * by its own monotonic clock. The request window ages by these stamps ({@link io.poolkeeper.core.AppliedRequests},
 * "Pool time", argues why); stamping the wall clock instead would let a master whose clock is ahead, or steps
 * forward, evict ids that clients may still retry.
 *
 * <p>So a stamp never falls behind the pool time the leader has applied, advances at the rate of the monotonic clock,
 * and ignores the wall clock's offset and steps. The wall clock is read only while there is no pool time yet: the
 * first commands of a new pool. Pool time does not advance while there is no leader stamping, or before a new
 * leader's first stamp: entries are kept longer then, never shorter.
 *
 * <p>Thread-safe: Ratis may start transactions on several threads.
 */
final class PoolClock {
    private final LongSupplier wallMillis;
    private final LongSupplier monotonicNanos;
    private boolean anchored;
    private long baseMillis;
    private long baseNanos;

    PoolClock() {
        this(System::currentTimeMillis, System::nanoTime);
    }

    PoolClock(LongSupplier wallMillis, LongSupplier monotonicNanos) {
        this.wallMillis = wallMillis;
        this.monotonicNanos = monotonicNanos;
    }

    /** The stamp for commands accepted now, given the pool time of the latest applied state (0: none yet). */
    synchronized long stamp(long appliedPoolTimeMillis) {
        long nanos = monotonicNanos.getAsLong();
        if (!anchored) {
            if (appliedPoolTimeMillis <= 0) {
                return Math.max(1, wallMillis.getAsLong());
            }
            anchor(appliedPoolTimeMillis, nanos);
        }
        long now = baseMillis + (nanos - baseNanos) / 1_000_000;
        if (now < appliedPoolTimeMillis) {
            // Pool time went further than this clock (an earlier leader's stamps, an import): go on from there.
            anchor(appliedPoolTimeMillis, nanos);
            now = appliedPoolTimeMillis;
        }
        return now;
    }

    /** Forgets the anchor: this member stopped leading, or its state was replaced; the next stamp anchors afresh. */
    synchronized void reset() {
        anchored = false;
    }

    private void anchor(long millis, long nanos) {
        anchored = true;
        baseMillis = millis;
        baseNanos = nanos;
    }
}
