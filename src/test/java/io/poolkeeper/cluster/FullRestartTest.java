package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
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
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Every member killed while clients write, then all restarted from their storage directories: every acknowledged
 * write is still there, the members agree, there is exactly one master, and writes work again.
 */
@Timeout(90)
// Mostly waits on its own pool: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("FullRestartTest")
class FullRestartTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final List<Integer> ALL = List.of(0, 1, 2);

    @TempDir
    Path dir;

    @Test
    void everyMemberKilledMidLoadAndRestartedFromDiskKeepsEveryAcknowledgedWrite() throws Exception {
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
                // The patient client rides out the outage; the impatient one gives up on the writes it has in flight
                // (uncertain outcomes, retried at the end).
                List<CommandPool> via = List.of(client.pool(), client.pool(), impatient.pool());
                try (LoadWriters writers = new LoadWriters("restart", via, 8)) {
                    await().atMost(WAIT).until(() -> writers.acknowledgedCount() >= 300);
                    long t0 = System.nanoTime();
                    for (int i : ALL) {
                        pool.kill(i);
                    }
                    long killedMs = (System.nanoTime() - t0) / 1_000_000;
                    int ackedBeforeRestart = writers.acknowledgedCount();
                    for (int i : ALL) {
                        pool.restart(i);
                    }
                    long restartedMs = (System.nanoTime() - t0) / 1_000_000;

                    // The clients find the new master by themselves: writes are acknowledged again.
                    await().atMost(WAIT).until(() -> writers.acknowledgedCount() > ackedBeforeRestart);
                    long firstAckMs = (System.nanoTime() - t0) / 1_000_000;
                    await().atMost(WAIT).until(() -> writers.acknowledgedCount() >= ackedBeforeRestart + 300);
                    long moreAcksMs = (System.nanoTime() - t0) / 1_000_000;
                    writers.stop();
                    System.out.printf(
                            "full restart: all killed after %d ms, restarted after %d ms, first write acknowledged"
                                    + " after %d ms, 300 more after %d ms, writers stopped after %d ms%n",
                            killedMs, restartedMs, firstAckMs, moreAcksMs, (System.nanoTime() - t0) / 1_000_000);

                    assertEquals(List.of(), writers.unexpected, "writes answered other than success or retry");
                    MasterFailoverTest.assertEveryWriteOnEverySurvivor(pool, ALL, writers, false);
                    assertEquals(List.of(), writers.resolveUncertain(client.pool(), () -> pool.member(0)
                            .applied()
                            .state()));
                    MasterFailoverTest.assertEveryWriteOnEverySurvivor(pool, ALL, writers, true);
                    System.out.printf(
                            "full restart: %d acknowledged (%d before the restart), %d uncertain (%d of them applied and"
                                    + " out of the de-duplication window)%n",
                            writers.acknowledgedCount(),
                            ackedBeforeRestart,
                            writers.uncertain.size(),
                            writers.beyondWindow());
                }
            }

            int master = pool.soleMaster().orElseThrow();
            HostId masterHost = pool.host(master);
            await().atMost(WAIT).until(() -> pool.members().stream()
                    .allMatch(m -> m.applied().state().isMaster(masterHost)));
            assertEquals(master, pool.soleMaster().orElseThrow());

            // An embedded write on a slave after the restart, seen by every member.
            RatisPoolMember slave = pool.member(pool.others(master).get(0));
            VmId vm = slave.pool().blocking().createVm(VmSpec.of("after-restart", 1L << 30, 1));
            await().atMost(WAIT).until(() -> pool.members().stream()
                    .allMatch(m -> m.applied().state().vms().containsKey(vm)));
            assertTrue(pool.members().stream()
                    .allMatch(m -> m.applied().state().hosts().size() == 3));
        }
    }
}
