package io.poolkeeper.seed;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.member.RoleState;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The seed's "master failure" paragraphs on a live pool: a lost master is replaced without emergency mode while a
 * majority lives; a survivor without a majority enters emergency mode, refuses writes at once, and re-founds the
 * pool through pool-emergency-transition-to-master; the others come back through pool-recover-slaves; a returning
 * old master is refused, then recovered as a slave.
 */
@Timeout(180)
// Waits out failure timeouts most of its time: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("MasterFailureTest")
class MasterFailureTest {
    @TempDir
    Path dir;

    private static List<VmId> createVms(RatisPoolMember via, int count) {
        List<VmId> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(via.pool().blocking().createVm(VmSpec.of("ledger" + i, 1L << 30, 1)));
        }
        return out;
    }

    @Test
    void aLostMasterIsReplacedWithoutEmergencyMode() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            List<VmId> acknowledged = createVms(pool.member(master), 5);
            // Every state change of the survivors during the whole election and the first write after it.
            List<RoleState.Change> changes = new CopyOnWriteArrayList<>();
            pool.running().filter(i -> i != master).forEach(i -> pool.member(i).onRoleChange(changes::add));

            pool.kill(master);
            int next = pool.awaitMaster();
            acknowledged.addAll(createVms(pool.member(next), 1));
            PoolView view = pool.pool(next).read(ReadConsistency.LINEARIZABLE);
            assertTrue(view.vms().keySet().containsAll(acknowledged));
            assertEquals(Optional.of(pool.host(next)), view.pool().orElseThrow().master());
            assertTrue(changes.stream().noneMatch(c -> c.to().emergency()), String.valueOf(changes));
            await().atMost(TestingPool.WAIT).until(() -> pool.running()
                    .allMatch(i -> pool.member(i).role() == MemberRole.MASTER
                            || pool.member(i).role() == MemberRole.SLAVE));
            // The old master's host is dead after the timeout, like any other.
            HostId old = pool.host(master);
            await().atMost(TestingPool.WAIT).until(() -> !pool.member(next)
                    .applied()
                    .state()
                    .hosts()
                    .get(old)
                    .live());
        }
    }

    @Test
    void aSurvivorWithoutMajorityGoesToEmergencyThenReFoundsThePoolAndRecoversTheOthers() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            int survivor = pool.others(master).get(0);
            int otherSlave = pool.others(master).get(1);
            List<VmId> acknowledged = createVms(pool.member(master), 5);
            // Acknowledged by a majority that included the survivor: it holds them.
            await().atMost(TestingPool.WAIT).until(() -> pool.member(survivor)
                    .applied()
                    .state()
                    .vms()
                    .keySet()
                    .containsAll(acknowledged));

            pool.kill(master);
            pool.kill(otherSlave);
            RatisPoolMember s = pool.member(survivor);
            await().atMost(TestingPool.WAIT).until(s::isInEmergencyMode);
            assertEquals(MemberRole.EMERGENCY, s.role());
            VmId vm = acknowledged.get(0);
            PoolException refused =
                    assertThrows(PoolException.class, () -> s.pool().blocking().startVm(vm, Optional.empty(), false));
            assertEquals(ErrorCode.HOST_IN_EMERGENCY_MODE, refused.code());
            // Local reads still work in emergency mode.
            assertTrue(s.pool().blocking().read(ReadConsistency.LOCAL).vms().containsKey(vm));
            assertEquals(1, s.generation());

            s.emergencyTransitionToMaster();

            assertEquals(2, s.generation());
            await().atMost(TestingPool.WAIT).until(() -> s.role() == MemberRole.MASTER);
            assertFalse(s.isInEmergencyMode());
            acknowledged.addAll(createVms(s, 2));
            PoolView after = s.pool().blocking().read(ReadConsistency.LINEARIZABLE);
            assertTrue(after.vms().keySet().containsAll(acknowledged));
            assertEquals(
                    Optional.of(pool.host(survivor)), after.pool().orElseThrow().master());
            assertFalse(after.hosts().get(pool.host(master)).live());

            // The old master and the other slave come back: still a majority of the old group, but stale.
            RatisPoolMember oldMaster = pool.restart(master);
            RatisPoolMember oldSlave = pool.restart(otherSlave);
            await().atMost(TestingPool.WAIT).until(() -> oldMaster.staleBy() == 2 && oldSlave.staleBy() == 2);
            PoolException stale = assertThrows(
                    PoolException.class, () -> oldMaster.pool().blocking().createVm(VmSpec.of("split", 1L << 30, 1)));
            assertEquals(ErrorCode.POOL_GENERATION_STALE, stale.code());
            assertFalse(s.pool().blocking().read(ReadConsistency.LOCAL).vms().values().stream()
                    .anyMatch(v -> v.nameLabel().equals("split")));

            List<HostId> recovered = s.recoverSlaves();

            assertEquals(
                    List.of(pool.host(master), pool.host(otherSlave)).stream()
                            .sorted()
                            .toList(),
                    recovered.stream().sorted().toList());
            await().atMost(TestingPool.WAIT).until(() -> pool.running()
                    .allMatch(i -> pool.member(i).generation() == 2
                            && pool.member(i).applied().state().vms().keySet().containsAll(acknowledged)));
            await().atMost(TestingPool.WAIT).until(() -> oldMaster.role() == MemberRole.SLAVE);
            await().atMost(TestingPool.WAIT).until(() -> s.raftPeers().size() == 3);
            await().atMost(TestingPool.WAIT)
                    .until(() -> s.applied().state().hosts().values().stream().allMatch(h -> h.live()));
            // Writes through a recovered slave reach the new master.
            acknowledged.addAll(createVms(oldMaster, 1));
            assertTrue(s.pool()
                    .blocking()
                    .read(ReadConsistency.LINEARIZABLE)
                    .vms()
                    .keySet()
                    .containsAll(acknowledged));
        }
    }

    @Test
    void membersLeaveEmergencyModeWhenTheMasterReturns() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            int survivor = pool.others(master).get(0);
            int otherSlave = pool.others(master).get(1);
            pool.kill(master);
            pool.kill(otherSlave);
            RatisPoolMember s = pool.member(survivor);
            await().atMost(TestingPool.WAIT).until(s::isInEmergencyMode);

            pool.restart(master);
            pool.restart(otherSlave);

            await().atMost(TestingPool.WAIT).until(() -> !s.isInEmergencyMode());
            pool.awaitMaster();
            assertTrue(s.role() == MemberRole.SLAVE || s.role() == MemberRole.MASTER);
            assertEquals(1, s.generation());
            createVms(s, 1);
        }
    }

    @Test
    void theOldMasterReturningAfterATransitionIsRefusedThenRecoveredAsASlave() {
        try (TestingPool pool = TestingPool.start(dir, 2)) {
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            List<VmId> acknowledged = createVms(pool.member(master), 2);
            await().atMost(TestingPool.WAIT)
                    .until(() ->
                            pool.member(slave).applied().state().vms().keySet().containsAll(acknowledged));
            RatisPoolMember s = pool.member(slave);

            pool.kill(master);
            await().atMost(TestingPool.WAIT).until(s::isInEmergencyMode);
            s.emergencyTransitionToMaster();
            RatisPoolMember old = pool.restart(master);

            await().atMost(TestingPool.WAIT).until(() -> old.staleBy() == 2);
            assertEquals(MemberRole.EMERGENCY, old.role());
            assertEquals(
                    ErrorCode.POOL_GENERATION_STALE,
                    assertThrows(PoolException.class, () -> createVms(old, 1)).code());

            old.emergencyResetMaster(s.serviceAddress());

            await().atMost(TestingPool.WAIT).until(() -> old.role() == MemberRole.SLAVE);
            assertEquals(2, old.generation());
            await().atMost(TestingPool.WAIT)
                    .until(() -> old.applied().state().vms().keySet().containsAll(acknowledged));
            assertEquals(MemberRole.MASTER, s.role());
            // Once recovered it is a full member again: made master, it takes writes.
            await().atMost(TestingPool.WAIT)
                    .until(() ->
                            s.applied().state().hosts().get(pool.host(master)).live());
            s.pool().blocking().designateNewMaster(pool.host(master));
            await().atMost(TestingPool.WAIT).until(() -> old.role() == MemberRole.MASTER);
            acknowledged.addAll(createVms(old, 1));
            assertTrue(old.pool()
                    .blocking()
                    .read(ReadConsistency.LINEARIZABLE)
                    .vms()
                    .keySet()
                    .containsAll(acknowledged));
        }
    }
}
