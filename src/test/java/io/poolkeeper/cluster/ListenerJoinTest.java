package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host joining a pool whose voters are full joins as a Raft listener and follows the pool. (Ratis 3.3.0 refused a
 * listener-only ADD whose voter list was left unset with a NullPointerException, so the sixth host could not join.)
 */
@Timeout(240)
class ListenerJoinTest {
    @TempDir
    Path dir;

    @Test
    void theHostAfterTheMaximumOfVotersJoinsAsAListener() {
        int voters = Pool.DEFAULT_MAX_VOTERS;
        try (TestingPool pool = TestingPool.start(dir, voters + 1)) {
            int master = pool.awaitMaster();
            int listener = voters;
            assertEquals(
                    HostRole.LISTENER,
                    pool.member(master)
                            .applied()
                            .state()
                            .hosts()
                            .get(pool.host(listener))
                            .role());
            await().atMost(TestingPool.WAIT)
                    .until(() -> pool.member(master).raftPeers().contains(pool.host(listener)));

            VmId vm = pool.pool(master).createVm(VmSpec.of("seen by the listener", 1L << 30, 1));

            await().atMost(TestingPool.WAIT)
                    .until(() -> pool.member(listener).applied().state().vms().containsKey(vm));
            assertTrue(pool.pool(listener).read(ReadConsistency.LOCAL).vms().containsKey(vm));
        }
    }
}
