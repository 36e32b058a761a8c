package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.core.PoolState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.pool.CommandPool;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master killed while clients write: a new master is elected, writes resume, and every write the pool
 * acknowledged is in the final state of every surviving member.
 */
@Timeout(90)
class MasterFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void killingTheMasterUnderLoadLosesNoAcknowledgedWrite() throws Exception {
        try (TestingPool pool = TestingPool.start(dir, 3)) {

            try (GrpcPoolClient client = GrpcPoolClient.builder()
                            .members(pool.addresses())
                            .transportSecurity(pool.clientSecurity())
                            .requestTimeout(Duration.ofSeconds(10))
                            .build();
                    GrpcPoolClient impatient = GrpcPoolClient.builder()
                            .members(pool.addresses())
                            .transportSecurity(pool.clientSecurity())
                            .requestTimeout(Duration.ofMillis(500))
                            .build()) {
                // Remote writers (they follow the master by themselves; the impatient one gives up during the
                // election: uncertain outcomes, retried at the end) and one embedded writer on each member (the
                // killed member's stops with it).
                List<CommandPool> via = List.of(
                        client.pool(),
                        impatient.pool(),
                        pool.member(0).pool(),
                        pool.member(1).pool(),
                        pool.member(2).pool());
                List<Integer> survivors;
                try (LoadWriters writers = new LoadWriters("failover", via, 8)) {
                    await().atMost(WAIT).until(() -> writers.acknowledgedCount() >= 300);
                    int killed = pool.awaitMaster();
                    survivors = pool.others(killed);
                    int ackedBeforeKill = writers.acknowledgedCount();
                    long killedAtNanos = System.nanoTime();
                    pool.kill(killed);
                    long killReturnedNanos = System.nanoTime();

                    pool.awaitMaster();
                    long newMasterAtNanos = System.nanoTime();
                    // Writes resume: 300 writes sent since the kill began are acknowledged. Counted from the kill,
                    // not from when the new master was seen: kill() may take seconds, and the writers go on meanwhile.
                    await().atMost(WAIT).until(() -> writers.acknowledgedSentSince(killedAtNanos) >= 300);
                    long moreAcksNanos = System.nanoTime();
                    writers.stop();

                    assertEquals(List.of(), writers.unexpected, "writes answered other than success or retry");
                    assertEveryWriteOnEverySurvivor(pool, survivors, writers, false);
                    // An uncertain write retried under its request id gets its first answer: applied once.
                    assertEquals(List.of(), writers.resolveUncertain(client.pool(), () -> pool.member(survivors.get(0))
                            .applied()
                            .state()));
                    assertEveryWriteOnEverySurvivor(pool, survivors, writers, true);
                    System.out.printf(
                            "failover: %d acknowledged (%d before the kill, %d sent after it), %d uncertain (%d of them"
                                    + " applied and out of the de-duplication window), kill() returned after %d ms,"
                                    + " new master after %d ms, 300 writes sent since the kill acknowledged after %d"
                                    + " ms, all checked after %d ms%n",
                            writers.acknowledgedCount(),
                            ackedBeforeKill,
                            writers.acknowledgedSentSince(killedAtNanos),
                            writers.uncertain.size(),
                            writers.beyondWindow(),
                            (killReturnedNanos - killedAtNanos) / 1_000_000,
                            (newMasterAtNanos - killedAtNanos) / 1_000_000,
                            (moreAcksNanos - killedAtNanos) / 1_000_000,
                            (System.nanoTime() - killedAtNanos) / 1_000_000);
                }
                assertTrue(survivors.contains(pool.soleMaster().orElseThrow()));
            }
        }
    }

    /** Waits until the survivors agree, then checks that their state holds every acknowledged write. */
    static void assertEveryWriteOnEverySurvivor(
            TestingPool pool, List<Integer> survivors, LoadWriters writers, boolean uncertainToo) {
        await().atMost(WAIT).untilAsserted(() -> {
            RatisPoolMember first = pool.member(survivors.get(0));
            PoolState reference = first.applied().state();
            for (int i : survivors) {
                RatisPoolMember m = pool.member(i);
                assertEquals(first.applied().sequence(), m.applied().sequence(), "applied sequence of member " + i);
                assertEquals(reference, m.applied().state(), "state of member " + i);
            }
            assertEquals(List.of(), writers.acknowledgedMissingFrom(reference), "acknowledged writes missing");
            if (uncertainToo) {
                assertEquals(List.of(), writers.uncertainMissingFrom(reference), "retried writes missing");
            }
        });
    }
}
