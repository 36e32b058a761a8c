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
 * Hosts joining a pool whose voters are full join as Raft listeners and follow the pool. (Ratis 3.3.0 refused a
 * listener-only ADD whose voter list was left unset with a NullPointerException, so the sixth host could not join; and
 * its ADD of a listener replaced the listeners there were, so the seventh pushed the sixth out of the group.)
 */
@Timeout(240)
class ListenerJoinTest {
    @TempDir
    Path dir;

    @Test
    void theHostsAfterTheMaximumOfVotersJoinAsListeners() {
        int voters = Pool.DEFAULT_MAX_VOTERS;
        int listeners = 3;
        try (TestingPool pool = TestingPool.start(dir, voters + listeners)) {
            int master = pool.awaitMaster();
            for (int listener = voters; listener < voters + listeners; listener++) {
                int l = listener;
                assertEquals(
                        HostRole.LISTENER,
                        pool.member(master)
                                .applied()
                                .state()
                                .hosts()
                                .get(pool.host(l))
                                .role());
                await().atMost(TestingPool.WAIT)
                        .until(() -> pool.member(master).raftPeers().contains(pool.host(l)));
            }

            VmId vm = pool.pool(master).createVm(VmSpec.of("seen by the listeners", 1L << 30, 1));

            for (int listener = voters; listener < voters + listeners; listener++) {
                int l = listener;
                await().atMost(TestingPool.WAIT)
                        .until(() -> pool.member(l).applied().state().vms().containsKey(vm));
                assertTrue(pool.pool(l).read(ReadConsistency.LOCAL).vms().containsKey(vm));
            }
        }
    }
}
