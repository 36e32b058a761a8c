package io.poolkeeper.seed;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.PoolRejectedException;
import io.poolkeeper.api.PoolUnavailableException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The seed's "slave failure" paragraphs on a live 3-host pool: a dead slave is declared dead after the timeout,
 * forgotten, its VMs restarted elsewhere; a repaired slave is live again; VMs left Running on a dead host are reset.
 * The member killed or stopped says CLOSED, serves no stale local read, and is not started again.
 */
@Timeout(120)
// Waits out failure timeouts most of its time: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("SlaveFailureTest")
class SlaveFailureTest {
    @TempDir
    Path dir;

    private static boolean live(RatisPoolMember viewer, HostId host) {
        return viewer.applied().state().hosts().get(host).live();
    }

    @Test
    void aDeadSlaveIsForgottenAndItsVmsStartElsewhere() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            HostId dead = pool.host(slave);
            List<VmId> vms = pool.startVms(master, 2, Optional.of(dead));

            PoolMember killed = pool.member(slave);
            pool.kill(slave);
            // The embedder's view of a member it killed: closed, no stale local copy, nothing to restart.
            assertEquals(MemberRole.CLOSED, killed.role());
            assertEquals(
                    ErrorCode.MEMBER_NOT_RUNNING,
                    assertThrows(
                                    PoolUnavailableException.class,
                                    () -> killed.pool().blocking().read(ReadConsistency.LOCAL))
                            .code());
            await().atMost(TestingPool.WAIT).until(() -> !live(pool.member(master), dead));
            PoolView view = pool.pool(master).read(ReadConsistency.LINEARIZABLE);
            for (VmId vm : vms) {
                // Seed 2.6.1: the database still says Running until the operator acts.
                assertEquals(PowerState.RUNNING, view.vms().get(vm).powerState());
                assertEquals(Optional.of(dead), view.vms().get(vm).residentOn());
            }
            assertEquals(
                    ErrorCode.HOST_OFFLINE,
                    assertThrows(PoolRejectedException.class, () -> pool.pool(master)
                                    .startVm(
                                            pool.pool(master)
                                                    .createVm(io.poolkeeper.api.VmSpec.of("late", 1L << 30, 1)),
                                            Optional.of(dead),
                                            false))
                            .code());

            List<VmId> halted = pool.pool(master).forgetHost(dead);

            assertEquals(
                    vms.stream().sorted().toList(), halted.stream().sorted().toList());
            await().atMost(TestingPool.WAIT).until(() -> pool.running()
                    .allMatch(i -> !pool.member(i).applied().state().hosts().containsKey(dead)));
            // host-forget also removes the host's Raft peer: the two survivors are the whole configuration.
            await().atMost(TestingPool.WAIT)
                    .until(() -> !pool.member(master).raftPeers().contains(dead)
                            && pool.member(master).raftPeers().size() == 2);
            for (VmId vm : vms) {
                Vm v = pool.pool(master).read(ReadConsistency.LOCAL).vms().get(vm);
                assertEquals(PowerState.HALTED, v.powerState());
                assertEquals(Optional.empty(), v.residentOn());
                HostId on = pool.pool(master).startVm(vm, Optional.empty(), false);
                assertNotEquals(dead, on);
                assertEquals(
                        Optional.of(PowerState.RUNNING),
                        pool.hypervisor(pool.indexOf(on)).stateOf(vm));
            }
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    void aRepairedSlaveIsLiveAgain() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(1);
            HostId host = pool.host(slave);

            pool.kill(slave);
            await().atMost(TestingPool.WAIT).until(() -> !live(pool.member(master), host));
            RatisPoolMember back = pool.restart(slave);

            await().atMost(TestingPool.WAIT).until(() -> live(pool.member(master), host));
            await().atMost(TestingPool.WAIT).until(() -> back.role() == MemberRole.SLAVE);
            assertTrue(live(back, host));
        }
    }

    /**
     * A slave whose heartbeats were refused while the master's host was down keeps beating once that host is back and
     * master again: its connection is retried at once, not after gRPC's reconnect backoff (seconds, growing to 2
     * minutes with the time the host was down), during which every heartbeat would fail and the master would declare
     * the slave dead after 2 s.
     */
    @Test
    void aSlaveStaysLiveWhenAHostItCouldNotReachIsMasterAgain() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int first = pool.awaitMaster();
            HostId returning = pool.host(first);
            pool.kill(first);
            int interim = pool.awaitMaster();
            // The slaves' connections to the dead master are refused from now on and back off while it stays down:
            // after 30 s, retries are 10-17 s apart (with 12 s down the retry came before the 2 s deadline, 3 of 3).
            await().atMost(TestingPool.WAIT).until(() -> !live(pool.member(interim), returning));
            await().during(Duration.ofSeconds(30))
                    .atMost(Duration.ofSeconds(40))
                    .until(() -> !live(pool.member(interim), returning));
            pool.restart(first);
            await().atMost(TestingPool.WAIT).until(() -> live(pool.member(interim), returning));
            pool.pool(interim).designateNewMaster(returning);
            await().atMost(TestingPool.WAIT).until(() -> pool.soleMaster().equals(Optional.of(first)));
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).until(() -> pool.hosts().stream()
                    .allMatch(h -> live(pool.member(first), h)));
        }
    }

    @Test
    void aCleanShutdownIsDeadAtOnceNotAfterTheTimeout() {
        // host-dead-after is a minute here: only the goodbye heartbeat can make the host dead within the wait.
        MemberTimeouts slow = new MemberTimeouts(
                Duration.ofMillis(100),
                Duration.ofSeconds(60),
                Duration.ofSeconds(120),
                Duration.ofMillis(300),
                Duration.ofMillis(600),
                Duration.ofSeconds(5));
        try (TestingPool pool = TestingPool.builder(dir).timeouts(slow).start(3)) {
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            HostId host = pool.host(slave);
            assertTrue(live(pool.member(master), host));

            RatisPoolMember stopped = pool.member(slave);
            pool.stop(slave);

            await().atMost(Duration.ofSeconds(10)).until(() -> !live(pool.member(master), host));
            assertEquals(MemberRole.CLOSED, stopped.role());
            assertEquals(
                    ErrorCode.MEMBER_NOT_RUNNING,
                    assertThrows(
                                    PoolUnavailableException.class,
                                    () -> stopped.pool().blocking().read(ReadConsistency.LOCAL))
                            .code());
            String again =
                    assertThrows(IllegalStateException.class, stopped::start).getMessage();
            assertTrue(
                    again.contains("is closed") && again.contains("build a new member on the same storage directory"),
                    again);
        }
    }

    @Test
    void vmsLeftRunningOnADeadHostAreResetWithForce() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            HostId host = pool.host(slave);
            VmId vm = pool.startVms(master, 1, Optional.of(host)).get(0);
            var blocking = pool.pool(master);

            assertEquals(
                    ErrorCode.HOST_IS_LIVE,
                    assertThrows(PoolRejectedException.class, () -> blocking.resetVmPowerState(vm, true))
                            .code());
            pool.kill(slave);
            await().atMost(TestingPool.WAIT).until(() -> !live(pool.member(master), host));
            assertEquals(
                    ErrorCode.FORCE_REQUIRED,
                    assertThrows(PoolRejectedException.class, () -> blocking.resetVmPowerState(vm, false))
                            .code());
            assertEquals(
                    PowerState.RUNNING,
                    blocking.read(ReadConsistency.LOCAL).vms().get(vm).powerState());

            blocking.resetVmPowerState(vm, true);

            Vm reset = blocking.read(ReadConsistency.LINEARIZABLE).vms().get(vm);
            assertEquals(PowerState.HALTED, reset.powerState());
            assertEquals(Optional.empty(), reset.residentOn());
            assertFalse(reset.currentOperation().isPresent());
            HostId on = blocking.startVm(vm, Optional.empty(), false);
            assertNotEquals(host, on);
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    void aStartPendingOnAHostThatDiesFailsAndLeavesTheVmHalted() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            HostId host = pool.host(slave);
            var blocking = pool.pool(master);
            VmId vm = blocking.createVm(io.poolkeeper.api.VmSpec.of("stranded", 1L << 30, 1));
            // The host is cut off before it can see the start: its agent never answers.
            pool.isolate(slave);

            PoolRejectedException failed =
                    assertThrows(PoolRejectedException.class, () -> blocking.startVm(vm, Optional.of(host), false));

            assertEquals(ErrorCode.HOST_AGENT_FAILED, failed.code());
            assertFalse(live(pool.member(master), host));
            Vm after = blocking.read(ReadConsistency.LINEARIZABLE).vms().get(vm);
            assertEquals(PowerState.HALTED, after.powerState());
            assertFalse(after.currentOperation().isPresent());
            assertNotEquals(host, blocking.startVm(vm, Optional.empty(), false));
        }
    }

    @Test
    void anEjectedMemberWipesItsCopyAndIsStandalone() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            HostId host = pool.host(slave);
            RatisPoolMember ejected = pool.member(slave);

            pool.pool(master).eject(host);

            await().atMost(TestingPool.WAIT).until(() -> ejected.role() == MemberRole.STANDALONE);
            assertTrue(ejected.applied().state().pool().isEmpty());
            assertFalse(Files.exists(pool.storage(slave).resolve("membership.properties")));
            await().atMost(TestingPool.WAIT)
                    .until(() -> pool.member(master).raftPeers().size() == 2);
            assertFalse(pool.member(master).raftPeers().contains(host));
            // The two remaining voters still commit.
            pool.startVms(master, 1, Optional.empty());
            assertEquals(
                    ErrorCode.NO_POOL,
                    assertThrows(io.poolkeeper.api.PoolException.class, () -> ejected.pool()
                                    .blocking()
                                    .createVm(io.poolkeeper.api.VmSpec.of("x", 1L << 30, 1)))
                            .code());
        }
    }
}
