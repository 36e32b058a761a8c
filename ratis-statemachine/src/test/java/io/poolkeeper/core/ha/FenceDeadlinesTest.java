package io.poolkeeper.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** DESIGN §6's fence-before-restart arithmetic, and the property it exists for. */
@Timeout(30)
class FenceDeadlinesTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void designValuesForTheDefaultTimeout() {
        FenceDeadlines d = FenceDeadlines.of(Duration.ofSeconds(30));
        assertEquals(Duration.ofSeconds(3), FenceDeadlines.heartbeatInterval(Duration.ofSeconds(30)));
        assertEquals(Duration.ofSeconds(6), d.margin());
        long t0 = 1_000 * SECOND;
        assertEquals(t0 + 15 * SECOND, d.lostAt(t0));
        assertEquals(t0 + 30 * SECOND, d.selfFenceAt(t0));
        // 15 + 15 x 1.1 + 6 = 37.5 s: within the T + 10 s goal
        assertEquals(t0 + 37_500_000_000L, d.mayDeclareDeadAt(t0));
        // 33 s here lasts at least 30 s on a clock 10 % slower, and 30 s at most 33 s on one 10 % faster
        assertEquals(30 * SECOND, d.leastRemote(33 * SECOND));
        assertEquals(30 * SECOND - 1, d.leastRemote(33 * SECOND - 1));
        assertEquals(33 * SECOND, d.mostRemote(30 * SECOND));
        assertEquals(-33 * SECOND, d.mostRemote(-30 * SECOND));
    }

    @Test
    void shortTimeoutsKeepAOneSecondHeartbeat() {
        assertEquals(Duration.ofSeconds(1), FenceDeadlines.heartbeatInterval(Duration.ofSeconds(5)));
        FenceDeadlines d = FenceDeadlines.of(Duration.ofSeconds(5));
        // 2.5 + 2.5 x 1.1 + 2 = 7.25 s
        assertEquals(7_250_000_000L, d.mayDeclareDeadAt(0));
        assertEquals(
                Duration.ofMillis(200),
                FenceDeadlines.heartbeatInterval(Duration.ofSeconds(2), Duration.ofMillis(100)));
    }

    @Test
    void theDetectionTimeAlwaysSpansTwoHeartbeats() {
        // The floor yields below T = 4 s: T = 1 s beats every 250 ms, so D = 500 ms is two beats, not half of one.
        assertEquals(Duration.ofMillis(250), FenceDeadlines.heartbeatInterval(Duration.ofSeconds(1)));
        assertEquals(Duration.ofMillis(500), FenceDeadlines.heartbeatInterval(Duration.ofSeconds(2)));
        assertEquals(Duration.ofSeconds(1), FenceDeadlines.heartbeatInterval(Duration.ofSeconds(4)));
        for (long millis = 1_000; millis <= 120_000; millis += 250) {
            Duration t = Duration.ofMillis(millis);
            FenceDeadlines d = FenceDeadlines.of(t);
            assertTrue(
                    d.detection().compareTo(FenceDeadlines.heartbeatInterval(t).multipliedBy(2)) >= 0, "T = " + t);
        }
    }

    @Test
    void aMarginTooSmallForTheDriftIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new FenceDeadlines(Duration.ofSeconds(30), Duration.ofSeconds(30), 0.1, Duration.ofSeconds(3)));
        assertTrue(e.getMessage().contains("margin"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> new FenceDeadlines(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.5, Duration.ofSeconds(3)));
    }

    /**
     * Whatever the timeout and however the victim's clock runs against the survivor's (rates within a factor 1+ρ of
     * each other), the victim has fenced, in the survivor's time, before the survivor may declare it dead.
     */
    @Test
    void theVictimHasFencedBeforeAnySurvivorMayRestartItsVms() {
        long seed = Long.getLong("poolkeeper.seed", System.nanoTime());
        System.out.println("FenceDeadlinesTest seed " + seed + " (-Dpoolkeeper.seed=" + seed + " replays it)");
        Random random = new Random(seed);
        for (int i = 0; i < 100_000; i++) {
            Duration t = Duration.ofMillis(1_000 + random.nextInt(300_000));
            FenceDeadlines d = FenceDeadlines.of(t);
            // The victim's clock advances `rate` of its time per unit of the survivor's: slowest 1/(1+ρ).
            double rate = i == 0 ? 1 / (1 + d.drift()) : Math.pow(1 + d.drift(), 2 * random.nextDouble() - 1);
            double victimFencesAt = d.selfFenceAt(0) / rate;
            long survivorMayRestartAt = d.mayDeclareDeadAt(0);
            assertTrue(
                    victimFencesAt < survivorMayRestartAt,
                    "seed " + seed + ", T=" + t + ", rate " + rate + ": the victim fences at " + victimFencesAt
                            + " ns, a survivor may restart at " + survivorMayRestartAt + " ns");
        }
    }

    @Test
    void withoutTheDriftAllowanceASlowVictimWouldStillRun() {
        FenceDeadlines d = FenceDeadlines.of(Duration.ofSeconds(30));
        double slowest = 1 / (1 + d.drift());
        // What a survivor that ignored drift would wait: D + W + ε.
        long naive = d.lostAt(0) + d.fenceWindow().toNanos() + d.margin().toNanos();
        assertTrue(d.selfFenceAt(0) / slowest > d.lostAt(0) + d.fenceWindow().toNanos());
        assertTrue(d.mayDeclareDeadAt(0) > naive);
    }
}
