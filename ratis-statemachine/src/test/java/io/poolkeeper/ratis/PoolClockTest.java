package io.poolkeeper.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The leader's stamps: pool time carried on by the monotonic clock, whatever the wall clock does. */
@Timeout(10)
class PoolClockTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long MS = 1_000_000L;

    private final AtomicLong wall = new AtomicLong(T0);
    private final AtomicLong mono = new AtomicLong(123 * MS);
    private final PoolClock clock = new PoolClock(wall::get, mono::get);

    @Test
    void aNewPoolStartsFromTheWallClock() {
        assertEquals(T0, clock.stamp(0));
        wall.addAndGet(5);
        assertEquals(T0 + 5, clock.stamp(0), "no pool time yet: nothing to go on from");
    }

    @Test
    void stampsGoOnFromPoolTimeAtTheMonotonicRateIgnoringTheWallClock() {
        long poolTime = T0 - 3_600_000; // the pool's time lags this master's wall clock by an hour
        assertEquals(poolTime, clock.stamp(poolTime));
        mono.addAndGet(250 * MS);
        wall.addAndGet(86_400_000); // the wall clock steps a day forward
        assertEquals(poolTime + 250, clock.stamp(poolTime));
        wall.addAndGet(-2 * 86_400_000L); // and two days back
        mono.addAndGet(750 * MS);
        assertEquals(poolTime + 1_000, clock.stamp(poolTime + 250));
    }

    @Test
    void aPoolTimeAheadOfTheClockIsFollowed() {
        assertEquals(T0, clock.stamp(T0));
        mono.addAndGet(10 * MS);
        // An import, or an earlier leader whose monotonic clock ran fast, left pool time further on.
        assertEquals(T0 + 5_000, clock.stamp(T0 + 5_000));
        mono.addAndGet(10 * MS);
        assertEquals(T0 + 5_010, clock.stamp(T0 + 5_000));
    }

    @Test
    void aNewTermAnchorsAfresh() {
        assertEquals(T0, clock.stamp(T0));
        mono.addAndGet(60_000 * MS);
        clock.reset();
        // Leadership came back a minute later; the pool's time moved on by only 10 s under another leader meanwhile.
        assertEquals(T0 + 10_000, clock.stamp(T0 + 10_000), "the time without a leader stamping is not counted");
    }
}
