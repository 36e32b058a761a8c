package io.poolkeeper.ha;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.MemberState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.member.RoleState;
import io.poolkeeper.testing.SimulatedHypervisor;
import io.poolkeeper.testing.TestingPool;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * DESIGN §6 on real members, beyond two hosts: the larger partition survives, a tie goes to the side with the lowest
 * UUID, a side without a majority of the liveset fences, and links that fail one way or between two hosts only never
 * make two surviving sides. Hosts are {@code 00000001-...}, {@code 00000002-...}, ... so host 0 has the lowest UUID.
 */
@Timeout(150)
// Tests run two at a time (each is its own pool, mostly waiting for T); the class still runs alone.
class HaPartitionTest {
    private static final Duration HA_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private static TestingPool haPool(Path dir, int size) {
        return haPool(TestingPool.builder(dir), size);
    }

    private static TestingPool haPool(TestingPool.Builder builder, int size) {
        TestingPool pool = builder.start(size);
        int master = pool.awaitMaster();
        pool.pool(master).enableHa(Optional.of(HA_TIMEOUT));
        await().atMost(TestingPool.WAIT).until(() -> pool.members().stream().allMatch(RatisPoolMember::haArmed));
        return pool;
    }

    /** A protected VM started on {@code host}. */
    private static VmId protectedVm(TestingPool pool, int host) {
        int master = pool.awaitMaster();
        VmId vm = pool.pool(master).createVm(VmSpec.of("protected-on-" + host, 1L << 30, 1));
        pool.pool(master).setVmParam(vm, "ha-restart-priority", "restart");
        pool.pool(master).startVm(vm, Optional.of(pool.host(host)), false);
        return vm;
    }

    /** Cuts every link between the two sides, both ways. */
    private static void split(TestingPool pool, List<Integer> a, List<Integer> b) {
        for (int x : a) {
            for (int y : b) {
                pool.cutBoth(x, y);
            }
        }
    }

    private static Optional<HostId> residentOn(RatisPoolMember viewer, VmId id) {
        Vm vm = viewer.applied().state().vms().get(id);
        return vm != null && vm.powerState() == PowerState.RUNNING ? vm.residentOn() : Optional.empty();
    }

    private static Set<Integer> fenced(TestingPool pool) {
        return IntStream.range(0, pool.size())
                .filter(i -> pool.member(i).state() == MemberState.FENCED)
                .boxed()
                .collect(Collectors.toSet());
    }

    /** The survivors' master restarted {@code vm} on one of {@code survivors}, and its hypervisor runs it. */
    private static void awaitRestartedOn(TestingPool pool, VmId vm, List<Integer> survivors) {
        await().atMost(TestingPool.WAIT).until(() -> {
            Optional<Integer> master = pool.soleMaster().filter(survivors::contains);
            if (master.isEmpty()) {
                return false;
            }
            Optional<HostId> on = residentOn(pool.member(master.get()), vm);
            return on.isPresent()
                    && survivors.contains(pool.indexOf(on.get()))
                    && pool.hypervisor(pool.indexOf(on.get())).listRunning().contains(vm);
        });
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void threeHostsOneCutOffTheTwoSurviveAndTheOneIsFencedThenReadmitted() {
        try (TestingPool pool = haPool(dir, 3)) {
            int master = pool.awaitMaster();
            // The master's cable: the two others must also elect a new master.
            VmId vm = protectedVm(pool, master);
            List<Integer> survivors = pool.others(master);
            pool.isolate(master);

            await().atMost(TestingPool.WAIT).until(() -> fenced(pool).equals(Set.of(master)));
            awaitRestartedOn(pool, vm, survivors);
            int newMaster = pool.soleMaster().orElseThrow();
            RatisPoolMember m = pool.member(newMaster);
            assertEquals(1, m.generation(), "a majority survived: no re-founding");
            assertTrue(!m.applied().state().hosts().get(pool.host(master)).live());
            // The fenced host leaves the Raft configuration (right after its death commits, as the restart).
            await().atMost(TestingPool.WAIT).until(() -> m.raftPeers().size() == 2);
            pool.assertNoVmEverRanTwice();

            pool.healAll();
            await().atMost(TestingPool.WAIT)
                    .until(() -> pool.member(master).state() == MemberState.SLAVE
                            && m.applied()
                                    .state()
                                    .hosts()
                                    .get(pool.host(master))
                                    .live()
                            && m.raftPeers().size() == 3);
            assertEquals(Set.of(), fenced(pool));
            // Re-admitted, its agent takes calls again (a fenced host reboots before it comes back).
            VmId afterwards =
                    pool.startVms(newMaster, 1, Optional.of(pool.host(master))).get(0);
            assertTrue(pool.hypervisor(master).listRunning().contains(afterwards));
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void fourHostsSplitTwoAndTwoTheSideWithTheLowestUuidSurvives() {
        try (TestingPool pool = haPool(dir, 4)) {
            VmId onThree = protectedVm(pool, 3);
            long generation = pool.member(0).generation();
            split(pool, List.of(0, 1), List.of(2, 3));

            await().atMost(TestingPool.WAIT).until(() -> fenced(pool).equals(Set.of(2, 3)));
            awaitRestartedOn(pool, onThree, List.of(0, 1));
            int master = pool.soleMaster().orElseThrow();
            assertTrue(pool.member(master).generation() > generation, "2 of 4 voters re-found the pool");
            await().atMost(TestingPool.WAIT)
                    .until(() -> pool.member(1 - master).state() == MemberState.SLAVE
                            && pool.member(1 - master).generation()
                                    == pool.member(master).generation());
            pool.assertNoVmEverRanTwice();

            pool.healAll();
            await().atMost(TestingPool.WAIT)
                    .until(() -> IntStream.of(2, 3).allMatch(i -> pool.member(i).state() == MemberState.SLAVE));
            pool.assertNoVmEverRanTwice();
        }
    }

    /**
     * A 2-2 split whose surviving pair is cut apart the moment one of them starts re-founding the pool: the other, alone,
     * fences itself with no master to judge it (its partner is between groups), so the new generation still records its
     * VM as running there. When the link is back, the founder re-admits that host only once its agent's hard stop (slow
     * here, held by a gate) has returned, and commits its fence first: the VM is Halted and restarted, never run twice
     * and not left recorded on a host whose agent stopped it (NemesisTest seed 17972379653372).
     */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void aSurvivorFencedWhileItsPartnerReFoundsHasItsFenceCommittedBeforeItIsReadmitted() {
        CountDownLatch hardStop = new CountDownLatch(1);
        TestingPool.Builder slowFences =
                TestingPool.builder(dir).agents(hypervisor -> gatedFence(hypervisor, hardStop));
        try (TestingPool pool = haPool(slowFences, 4)) {
            List<VmId> vms = List.of(protectedVm(pool, 0), protectedVm(pool, 1));
            long generation = pool.member(0).generation();
            List<Integer> founders = new CopyOnWriteArrayList<>();
            for (int i : List.of(0, 1)) {
                pool.member(i).onRoleChange(change -> {
                    if (change.to() == MemberState.STARTING && change.why().contains("founding generation")) {
                        founders.add(i);
                        pool.cutBoth(0, 1);
                    }
                });
            }
            split(pool, List.of(0, 1), List.of(2, 3));

            await().atMost(TestingPool.WAIT).until(() -> fenced(pool).size() == 3);
            assertEquals(1, founders.size(), () -> "founders " + founders);
            int founder = founders.get(0);
            int partner = 1 - founder;
            assertEquals(Set.of(partner, 2, 3), fenced(pool));
            RatisPoolMember master = pool.member(founder);
            await().atMost(TestingPool.WAIT).until(() -> master.generation() > generation);
            // The hard stop holds the HA tick's thread, not the HA loop: its status (metrics, beats) still answers.
            assertFalse(assertTimeoutPreemptively(
                    Duration.ofSeconds(2), () -> pool.member(partner).haArmed()));

            pool.heal(0, 1);
            pool.heal(1, 0);
            // Still stopping its VMs: not re-admitted, its VM not restarted, though the founder reaches it.
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> pool.member(partner).state() == MemberState.FENCED
                            && residentOn(master, vms.get(partner)).equals(Optional.of(pool.host(partner))));
            assertTrue(pool.hypervisor(partner).listRunning().contains(vms.get(partner)));

            hardStop.countDown();
            awaitRestartedOn(pool, vms.get(partner), List.of(0, 1));
            await().atMost(TestingPool.WAIT)
                    .until(() -> pool.member(partner).state() == MemberState.SLAVE
                            && pool.member(partner).generation() == master.generation());
            pool.assertNoVmEverRanTwice();
        } finally {
            hardStop.countDown();
        }
    }

    /** {@code hypervisor} as the host agent, its {@code fence} (the hard stop) held until {@code gate} opens. */
    private static HostAgent gatedFence(SimulatedHypervisor hypervisor, CountDownLatch gate) {
        return (HostAgent) Proxy.newProxyInstance(
                HostAgent.class.getClassLoader(), new Class<?>[] {HostAgent.class}, (proxy, method, args) -> {
                    if (method.getName().equals("fence")) {
                        gate.await();
                    }
                    try {
                        return method.invoke(hypervisor, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void fiveHostsThreeAndTwoTheThreeSurvive() {
        try (TestingPool pool = haPool(dir, 5)) {
            VmId onZero = protectedVm(pool, 0);
            // The side with the lowest UUID is the smaller one: size wins over UUID.
            split(pool, List.of(0, 1), List.of(2, 3, 4));

            await().atMost(TestingPool.WAIT).until(() -> fenced(pool).equals(Set.of(0, 1)));
            awaitRestartedOn(pool, onZero, List.of(2, 3, 4));
            assertEquals(1, pool.member(pool.soleMaster().orElseThrow()).generation(), "3 of 5 voters: no re-founding");
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void fiveHostsTwoTwoAndOneNoSideSurvivesEveryHostFences() {
        try (TestingPool pool = haPool(dir, 5)) {
            VmId vm = protectedVm(pool, 4);
            split(pool, List.of(0, 1), List.of(2, 3, 4));
            split(pool, List.of(2, 3), List.of(4));

            await().atMost(TestingPool.WAIT).until(() -> fenced(pool).size() == 5);
            // A member is FENCED a moment before its agent has stopped the VMs (MemberState.FENCED).
            await().atMost(TestingPool.WAIT)
                    .alias("no side survives, so every host stopped its VMs and none restarted them")
                    .until(() -> IntStream.range(0, 5)
                            .allMatch(i -> pool.hypervisor(i).listRunning().isEmpty()));
            assertTrue(residentOn(pool.member(0), vm).isPresent(), "nobody declared a death: nobody could");
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void pairwiseAndOneWayCutsStillLeaveOneSurvivingSide() {
        try (TestingPool pool = haPool(dir, 3)) {
            VmId vm = protectedVm(pool, 2);
            // 0 and 2 no longer hear each other, 1 hears both: every host's partition holds two of three.
            pool.cutBoth(0, 2);
            // And what 1 sends to 2 is lost: 1 and 2 are no longer in mutual contact either.
            pool.cut(1, 2);
            await().atMost(TestingPool.WAIT).until(() -> fenced(pool).equals(Set.of(2)));
            awaitRestartedOn(pool, vm, List.of(0, 1));
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void aLinkBrokenBetweenTwoOfThreeHostsFencesNobody() {
        try (TestingPool pool = haPool(dir, 3)) {
            VmId vm = protectedVm(pool, 2);
            pool.cutBoth(0, 2);
            // Past every deadline: D + W(1+ρ) + ε is under 3 s here.
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).until(() -> fenced(pool)
                    .isEmpty());
            assertEquals(Optional.of(pool.host(2)), residentOn(pool.member(1), vm));
            assertTrue(pool.hypervisor(2).listRunning().contains(vm));
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void poolHaDisableDisarmsEverything() {
        try (TestingPool pool = haPool(dir, 3)) {
            VmId vm = protectedVm(pool, 2);
            pool.pool(pool.awaitMaster()).disableHa();
            await().atMost(TestingPool.WAIT).until(() -> pool.members().stream().noneMatch(RatisPoolMember::haArmed));
            pool.isolate(2);
            // Without HA the cut-off host keeps its VM and waits for a master (DESIGN §4); nobody fences.
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).until(() -> fenced(pool)
                    .isEmpty());
            assertTrue(pool.hypervisor(2).listRunning().contains(vm));
            assertTrue(pool.member(2).state() != MemberState.MASTER
                    && pool.member(2).state() != MemberState.SLAVE);
            pool.assertNoVmEverRanTwice();
        }
    }

    /**
     * The nemesis found it: a master that stopped cleanly with HA armed could not commit its own goodbye, so the
     * others declared the silent host after the HA span and restarted its VM, which its hypervisor still ran.
     */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void aMasterStoppedCleanlyWithHaArmedHandsOverAndItsVmIsNotRestartedElsewhere() {
        try (TestingPool pool = haPool(dir, 3)) {
            int old = pool.awaitMaster();
            VmId vm = protectedVm(pool, old);
            pool.stop(old);
            List<Integer> others = pool.others(old);
            await().atMost(TestingPool.WAIT)
                    .until(() -> pool.soleMaster().filter(others::contains).isPresent());
            RatisPoolMember master = pool.member(pool.soleMaster().orElseThrow());
            await().atMost(TestingPool.WAIT).until(() -> !master.applied()
                    .state()
                    .hosts()
                    .get(pool.host(old))
                    .live());
            // Well past the HA span: the VM is still recorded where its hypervisor runs it, and nowhere else.
            await().during(HA_TIMEOUT.multipliedBy(2))
                    .atMost(TestingPool.WAIT)
                    .until(() -> residentOn(master, vm).equals(Optional.of(pool.host(old)))
                            && pool.hypervisor(old).listRunning().contains(vm));
            pool.assertNoVmEverRanTwice();
            RatisPoolMember back = pool.restart(old);
            await().atMost(TestingPool.WAIT)
                    .until(() -> back.state() == MemberState.SLAVE
                            && master.applied()
                                    .state()
                                    .hosts()
                                    .get(pool.host(old))
                                    .live());
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void aFencedHostThatRebootsIsReadmittedToo() {
        try (TestingPool pool = haPool(dir, 3)) {
            VmId vm = protectedVm(pool, 2);
            pool.isolate(2);
            await().atMost(TestingPool.WAIT).until(() -> fenced(pool).equals(Set.of(2)));
            awaitRestartedOn(pool, vm, List.of(0, 1));
            // A fenced XenServer host reboots: here its member process dies and starts again on its data.
            pool.kill(2);
            pool.healAll();
            RatisPoolMember back = pool.restart(2);
            int master = pool.soleMaster().orElseThrow();
            await().atMost(TestingPool.WAIT)
                    .until(() -> back.state() == MemberState.SLAVE
                            && pool.member(master)
                                    .applied()
                                    .state()
                                    .hosts()
                                    .get(pool.host(2))
                                    .live());
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void theSurvivingSideNeverEntersEmergencyModeEvenWhenTheTimeoutIsLonger() {
        // Emergency after 1 s without a master, well before the survivor may re-found (about 3 s after the cut).
        MemberTimeouts t = TestingPool.TIMEOUTS;
        MemberTimeouts quickEmergency = new MemberTimeouts(
                t.heartbeatInterval(),
                t.hostDeadAfter(),
                Duration.ofSeconds(1),
                t.electionTimeoutMin(),
                t.electionTimeoutMax(),
                t.requestTimeout());
        try (TestingPool pool =
                TestingPool.builder(dir).timeouts(quickEmergency).start(2)) {
            pool.pool(pool.awaitMaster()).enableHa(Optional.of(HA_TIMEOUT));
            await().atMost(TestingPool.WAIT).until(() -> pool.members().stream().allMatch(RatisPoolMember::haArmed));
            List<RoleState.Change> survivorMoves = new CopyOnWriteArrayList<>();
            pool.member(0).onRoleChange(survivorMoves::add);
            pool.isolate(1);

            await().atMost(TestingPool.WAIT)
                    .until(() -> fenced(pool).equals(Set.of(1))
                            && pool.member(0).state() == MemberState.MASTER
                            && pool.member(0).generation() == 2);
            assertTrue(
                    survivorMoves.stream().noneMatch(c -> c.to().emergency()),
                    "the surviving side keeps the pool without emergency mode: " + survivorMoves);
        }
    }
}
