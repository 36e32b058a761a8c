package io.poolkeeper.seed;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * pool-emergency-transition-to-master of a pool whose state is larger than one Raft log entry may be (Ratis'
 * {@code log.appender.buffer.byte-limit}, 4 MB): the survivor re-founds the pool with every VM, through a chunked
 * import. (Before the import was chunked, the transition failed here: "Log entry size ... exceeds the max buffer
 * limit of 4194304".)
 */
@Timeout(300)
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("MasterFailureTest")
class LargeImportTest {
    /** About 960 bytes per VM encoded: 6,000 VMs make an import of about 5.8 MB. */
    private static final int VMS = 6_000;

    private static final String LABEL_TAIL = " / owner: platform-team / ".repeat(34);

    @TempDir
    Path dir;

    @Test
    void aSurvivorReFoundsAPoolLargerThanOneLogEntry() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            int survivor = pool.others(master).get(0);
            Set<VmId> created = Set.copyOf(createVms(pool.member(master).pool(), VMS));
            RatisPoolMember s = pool.member(survivor);
            await().atMost(TestingPool.WAIT)
                    .until(() -> s.applied().state().vms().keySet().containsAll(created));

            pool.kill(master);
            pool.kill(pool.others(master).stream()
                    .filter(i -> i != survivor)
                    .findFirst()
                    .orElseThrow());
            await().atMost(TestingPool.WAIT).until(s::isInEmergencyMode);

            s.emergencyTransitionToMaster();

            assertEquals(2, s.generation());
            await().atMost(TestingPool.WAIT).until(() -> s.role() == MemberRole.MASTER);
            PoolView after = s.pool().blocking().read(ReadConsistency.LINEARIZABLE);
            assertEquals(created, after.vms().keySet());
            assertEquals(2, after.pool().orElseThrow().generation());
            assertTrue(s.applied().state().staged().isEmpty());
            // The new generation takes writes.
            VmId more = s.pool().blocking().createVm(VmSpec.of("after the import", 1L << 30, 1));
            assertTrue(s.pool().blocking().read(ReadConsistency.LOCAL).vms().containsKey(more));
        }
    }

    /** Pipelined, a few hundred outstanding at a time. */
    private static List<VmId> createVms(Pool via, int count) {
        List<VmId> out = new ArrayList<>();
        List<CompletableFuture<VmId>> window = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            window.add(via.createVm(VmSpec.of(String.format("vm-%05d", i) + LABEL_TAIL, 1L << 30, 1)));
            if (window.size() == 256 || i == count - 1) {
                window.forEach(f ->
                        out.add(f.orTimeout(Duration.ofSeconds(60).toSeconds(), java.util.concurrent.TimeUnit.SECONDS)
                                .join()));
                window.clear();
            }
        }
        return out;
    }
}
