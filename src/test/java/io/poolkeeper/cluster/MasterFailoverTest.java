package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.core.PoolState;
import io.poolkeeper.ratis.CommandPool;
import io.poolkeeper.ratis.RatisPoolMember;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
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
                            .requestTimeout(Duration.ofSeconds(10))
                            .build();
                    GrpcPoolClient impatient = GrpcPoolClient.builder()
                            .members(pool.addresses())
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
                long killedAtNanos;
                long newMasterAtNanos;
                int ackedBeforeKill;
                try (LoadWriters writers = new LoadWriters("failover", via, 8)) {
                    await().atMost(WAIT).until(() -> writers.acknowledgedCount() >= 300);
                    ackedBeforeKill = writers.acknowledgedCount();
                    int killed = await().atMost(WAIT)
                            .until(pool::soleMaster, Optional::isPresent)
                            .orElseThrow();
                    survivors = IntStream.range(0, 3)
                            .filter(i -> i != killed)
                            .boxed()
                            .toList();
                    killedAtNanos = System.nanoTime();
                    pool.kill(killed);

                    await().atMost(WAIT).until(() -> pool.soleMaster()
                            .filter(i -> i != killed
                                    && pool.member(i).applied().state().isMaster(pool.host(i)))
                            .isPresent());
                    newMasterAtNanos = System.nanoTime();
                    int ackedAtNewMaster = writers.acknowledgedCount();
                    await().atMost(WAIT).until(() -> writers.acknowledgedCount() >= ackedAtNewMaster + 300);
                    long moreAcksNanos = System.nanoTime();
                    writers.stop();

                    assertEquals(List.of(), writers.unexpected, "writes answered other than success or retry");
                    assertEveryWriteOnEverySurvivor(pool, survivors, writers, false);
                    System.out.printf(
                            "failover: %d acknowledged (%d before the kill), %d uncertain, new master after %d ms,"
                                    + " 300 more writes after %d ms, all checked after %d ms%n",
                            writers.acknowledgedCount(),
                            ackedBeforeKill,
                            writers.uncertain.size(),
                            (newMasterAtNanos - killedAtNanos) / 1_000_000,
                            (moreAcksNanos - killedAtNanos) / 1_000_000,
                            (System.nanoTime() - killedAtNanos) / 1_000_000);

                    // An uncertain write retried under its request id gets its first answer: applied once.
                    assertEquals(List.of(), writers.resolveUncertain(client.pool()));
                    assertEveryWriteOnEverySurvivor(pool, survivors, writers, true);
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
