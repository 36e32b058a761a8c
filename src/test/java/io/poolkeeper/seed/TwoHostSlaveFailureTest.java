package io.poolkeeper.seed;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.MemberState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.member.RoleState;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
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
 * The seed's slave failure in the commonest small pool, two hosts without HA (DESIGN §4): the master holds exactly
 * half of the voters, so Raft alone would stop the pool. The master keeps it: after host-dead-after it re-founds
 * the pool in generation 2 from its own log, with the dead slave not live, and the seed's procedure works —
 * vm-reset-powerstate --force, the VM restarted, host-forget. It never enters emergency mode. The slave, restarted
 * on its old data, accepts no write of generation 1 and is brought into generation 2.
 */
@Timeout(180)
// Waits out failure timeouts most of its time: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("TwoHostSlaveFailureTest")
class TwoHostSlaveFailureTest {
    @TempDir
    Path dir;

    /**
     * Waits until {@code m} masters generation 2 with the pool imported into it. It leads the new Raft group before the
     * import commits, and until just after it refuses writes as MEMBER_NOT_RUNNING, before proposing them (clients
     * retry that, and so do the first writes below).
     */
    private static void awaitReFounded(RatisPoolMember m) {
        await().atMost(TestingPool.WAIT)
                .until(() -> m.generation() == 2
                        && m.role() == MemberRole.MASTER
                        && m.applied()
                                .state()
                                .pool()
                                .filter(p -> p.generation() == 2)
                                .isPresent());
    }

    /** Every state change of {@code member} from now on. */
    private static List<RoleState.Change> record(RatisPoolMember member) {
        List<RoleState.Change> changes = new CopyOnWriteArrayList<>();
        member.onRoleChange(changes::add);
        return changes;
    }

    private static Vm vm(RatisPoolMember viewer, VmId vm) {
        return viewer.applied().state().vms().get(vm);
    }

    @Test
    void theMasterKeepsThePoolThenTheOperatorForgetsTheSlave() {
        try (TestingPool pool = TestingPool.start(dir, 2)) {
            int master = pool.awaitMaster();
            int slave = 1 - master;
            RatisPoolMember m = pool.member(master);
            HostId slaveHost = pool.host(slave);
            VmId onSlave = pool.startVms(master, 1, Optional.of(slaveHost)).get(0);
            List<VmId> acknowledged = pool.startVms(master, 2, Optional.of(pool.host(master)));
            List<RoleState.Change> changes = record(m);

            pool.kill(slave);

            awaitReFounded(m);
            assertFalse(m.applied().state().hosts().get(slaveHost).live(), "the dead slave is not live");
            assertTrue(
                    changes.stream().noneMatch(c -> c.to().role() == MemberRole.EMERGENCY),
                    "the master of a 2-host pool never enters emergency mode: " + changes);
            assertTrue(m.applied().state().vms().keySet().containsAll(acknowledged));

            // The seed's procedure on the master.
            ErrorCode refusal = await().atMost(TestingPool.WAIT)
                    .until(
                            () -> assertThrows(PoolException.class, () -> pool.pool(master)
                                            .resetVmPowerState(onSlave, false))
                                    .code(),
                            code -> code != ErrorCode.MEMBER_NOT_RUNNING);
            assertEquals(ErrorCode.FORCE_REQUIRED, refusal);
            pool.pool(master).resetVmPowerState(onSlave, true);
            assertEquals(PowerState.HALTED, vm(m, onSlave).powerState());
            assertEquals(pool.host(master), pool.pool(master).startVm(onSlave, Optional.empty(), false));
            assertEquals(PowerState.RUNNING, vm(m, onSlave).powerState());
            pool.pool(master).forgetHost(slaveHost);
            assertFalse(m.applied().state().hosts().containsKey(slaveHost));
            acknowledged.add(pool.pool(master).createVm(VmSpec.of("after", 1L << 30, 1)));

            // The forgotten slave comes back on its old data: generation 1 elects no one, so it accepts no write,
            // and learning of generation 2 it refuses every write as stale.
            RatisPoolMember back = pool.restart(slave);
            assertThrows(PoolException.class, () -> back.pool().blocking().createVm(VmSpec.of("old", 1L << 30, 1)));
            await().atMost(TestingPool.WAIT).until(() -> back.staleBy() == 2);
            assertEquals(
                    ErrorCode.POOL_GENERATION_STALE,
                    assertThrows(
                                    PoolException.class,
                                    () -> back.pool().blocking().createVm(VmSpec.of("old", 1L << 30, 1)))
                            .code());
            assertFalse(m.applied().state().vms().values().stream()
                    .anyMatch(v -> v.nameLabel().equals("old")));

            // The operator resets it onto the master: it joins generation 2 as a new host with the whole pool.
            back.emergencyResetMaster(m.serviceAddress());
            await().atMost(TestingPool.WAIT)
                    .until(() -> back.role() == MemberRole.SLAVE
                            && back.generation() == 2
                            && back.applied().state().vms().keySet().containsAll(acknowledged));
            assertEquals(MemberState.MASTER, m.state());
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    void aSlaveThatComesBackIsBroughtIntoTheNewGeneration() {
        try (TestingPool pool = TestingPool.start(dir, 2)) {
            int master = pool.awaitMaster();
            int slave = 1 - master;
            RatisPoolMember m = pool.member(master);
            List<VmId> acknowledged = pool.startVms(master, 2, Optional.empty());

            pool.kill(slave);
            awaitReFounded(m);
            acknowledged.add(await().atMost(TestingPool.WAIT)
                    .ignoreExceptionsMatching(
                            e -> e instanceof PoolException p && p.code() == ErrorCode.MEMBER_NOT_RUNNING)
                    .until(() -> pool.pool(master).createVm(VmSpec.of("while-away", 1L << 30, 1)), vm -> true));

            RatisPoolMember back = pool.restart(slave);
            assertThrows(PoolException.class, () -> back.pool().blocking().createVm(VmSpec.of("old", 1L << 30, 1)));
            await().atMost(TestingPool.WAIT)
                    .until(() -> back.role() == MemberRole.SLAVE
                            && back.generation() == 2
                            && back.applied().state().vms().keySet().containsAll(acknowledged));
            await().atMost(TestingPool.WAIT)
                    .until(() ->
                            m.applied().state().hosts().get(pool.host(slave)).live());
            // A full member again: writes through it commit in generation 2.
            VmId through = pool.pool(slave).createVm(VmSpec.of("through-slave", 1L << 30, 1));
            assertTrue(
                    pool.pool(master).read(ReadConsistency.LINEARIZABLE).vms().containsKey(through));
            assertFalse(m.applied().state().vms().values().stream()
                    .anyMatch(v -> v.nameLabel().equals("old")));
            assertNotEquals(MemberState.EMERGENCY, m.state());
            pool.assertNoVmEverRanTwice();
        }
    }

    /**
     * Only a 2-voter pool is kept this way: in 4 voters split 2 + 2 a voter the master reaches might follow a leader
     * the others elected, so the master waits (emergency mode) instead of re-founding without their writes.
     */
    @Test
    void aFourVoterPoolCutInHalfIsNotReFoundedByItsMaster() {
        try (TestingPool pool = TestingPool.start(dir, 4)) {
            int master = pool.awaitMaster();
            RatisPoolMember m = pool.member(master);
            List<Integer> others = pool.others(master);
            await().atMost(TestingPool.WAIT).until(() -> m.raftPeers().size() == 4);

            pool.kill(others.get(0));
            pool.kill(others.get(1));

            // host-dead-after is 2 s, emergency-after 4 s: well past both, still generation 1 on both survivors.
            await().atMost(TestingPool.WAIT).until(() -> m.isInEmergencyMode());
            await().during(Duration.ofSeconds(4))
                    .atMost(Duration.ofSeconds(10))
                    .until(() ->
                            m.generation() == 1 && pool.member(others.get(2)).generation() == 1);
            assertEquals(MemberRole.EMERGENCY, m.role());
        }
    }
}
