package io.poolkeeper.ha;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.MemberState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.member.RoleState;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN §6, the witness, on real members: two hosts plus a witness survive either host's cable being pulled without
 * fencing the healthy host, the lower-UUID one included (without a witness the seed's rule would fence the higher
 * whichever cable was pulled, see {@link HaSeedTableTest}); the cut-off host's protected VM restarts on the other,
 * never on the witness; the cut-off host comes back once plugged in. A witness cut off fences only itself: the two
 * hosts keep their VMs. One pool goes through the three cables in turn, so each failure is judged after a re-admission.
 *
 * <p>Hosts: host 0 is {@code 00000001-...} (the lowest UUID), host 1 {@code 00000002-...}, the witness host 2.
 */
@Timeout(150)
class HaWitnessTest {
    private static final Duration HA_TIMEOUT = Duration.ofSeconds(2);
    private static final int LOWER = 0;
    private static final int HIGHER = 1;
    private static final int WITNESS = 2;

    @TempDir
    Path dir;

    @Test
    void twoHostsAndAWitnessSurviveEitherCableWithoutFencingTheHealthyHost() {
        try (TestingPool pool = TestingPool.builder(dir).build()) {
            pool.add();
            pool.add();
            pool.addWitness();
            await().atMost(TestingPool.WAIT).until(() -> pool.members().stream()
                    .allMatch(m -> m.applied().state().hosts().size() == 3));
            Host witness = pool.member(0).applied().state().hosts().get(pool.host(WITNESS));
            assertEquals(HostRole.WITNESS, witness.role());
            assertEquals(0, witness.memoryTotal(), "a witness offers no memory, and was given none");
            pool.pool(pool.awaitMaster()).enableHa(Optional.of(HA_TIMEOUT));
            await().atMost(TestingPool.WAIT).until(() -> pool.members().stream().allMatch(RatisPoolMember::haArmed));
            Map<Integer, List<RoleState.Change>> moves = new ConcurrentHashMap<>();
            for (int i = 0; i < 3; i++) {
                List<RoleState.Change> log = new CopyOnWriteArrayList<>();
                moves.put(i, log);
                pool.member(i).onRoleChange(log::add);
            }
            VmId onLower = protectedVm(pool, LOWER);
            VmId onHigher = protectedVm(pool, HIGHER);

            // The lower-UUID host's cable: alone it is one of three, so it fences; the higher host and the witness
            // are two of three and a Raft majority, so nobody re-founds the pool.
            pullAndPlug(pool, LOWER, HIGHER, moves);
            assertEquals(1, pool.member(LOWER).generation(), "a majority survived: no re-founding");
            awaitRunningOn(pool, onLower, HIGHER);
            assertNothingOnTheWitness(pool);

            // The higher-UUID host's cable: now both protected VMs restart on the lower host.
            pullAndPlug(pool, HIGHER, LOWER, moves);
            awaitRunningOn(pool, onLower, LOWER);
            awaitRunningOn(pool, onHigher, LOWER);
            assertNothingOnTheWitness(pool);

            // The witness's cable: it fences itself (it runs nothing), the two hosts keep the pool and their VMs.
            moves.values().forEach(List::clear);
            pool.isolate(WITNESS);
            await().atMost(TestingPool.WAIT).until(() -> fenced(pool).equals(Set.of(WITNESS)));
            await().atMost(TestingPool.WAIT).until(() -> !liveIn(pool, LOWER, WITNESS));
            assertNeverFenced(moves, LOWER);
            assertNeverFenced(moves, HIGHER);
            assertEquals(
                    Set.of(onLower, onHigher),
                    pool.hypervisor(LOWER).runningVms().keySet());
            pool.healAll();
            awaitReadmitted(pool, WITNESS);
            assertEquals(Set.of(), fenced(pool));
            assertNothingOnTheWitness(pool);
            assertNeverFenced(moves, LOWER);
            assertNeverFenced(moves, HIGHER);
            pool.assertNoVmEverRanTwice();
        }
    }

    /**
     * Pulls {@code cut}'s cable: it fences, {@code healthy} does not, and {@code cut}'s VMs run on {@code healthy};
     * then plugs it back and waits until it is a live slave again.
     */
    private static void pullAndPlug(
            TestingPool pool, int cut, int healthy, Map<Integer, List<RoleState.Change>> moves) {
        List<VmId> itsVms = new ArrayList<>(pool.hypervisor(cut).runningVms().keySet());
        moves.values().forEach(List::clear); // this cable's moves only: the host cut before was fenced
        pool.isolate(cut);
        await().atMost(TestingPool.WAIT).until(() -> fenced(pool).equals(Set.of(cut)));
        // The member reports FENCED, then hard-stops its VMs: an instant apart.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> pool.hypervisor(cut).runningVms().isEmpty());
        for (VmId vm : itsVms) {
            awaitRunningOn(pool, vm, healthy);
        }
        assertNeverFenced(moves, healthy);
        assertNeverFenced(moves, WITNESS);
        assertNothingOnTheWitness(pool);
        pool.assertNoVmEverRanTwice();

        pool.healAll();
        awaitReadmitted(pool, cut);
        assertEquals(Set.of(), fenced(pool));
        assertNeverFenced(moves, healthy);
        pool.assertNoVmEverRanTwice();
    }

    /** A protected VM started on {@code host}. */
    private static VmId protectedVm(TestingPool pool, int host) {
        int master = pool.awaitMaster();
        VmId vm = pool.pool(master).createVm(VmSpec.of("protected-on-" + host, 1L << 30, 1));
        pool.pool(master).setVmParam(vm, "ha-restart-priority", "restart");
        pool.pool(master).startVm(vm, Optional.of(pool.host(host)), false);
        return vm;
    }

    /** The master's copy says {@code vm} runs on {@code host}, and that host's hypervisor runs it. */
    private static void awaitRunningOn(TestingPool pool, VmId vm, int host) {
        await().atMost(TestingPool.WAIT).until(() -> {
            Optional<Integer> master = pool.soleMaster();
            if (master.isEmpty()) {
                return false;
            }
            Vm seen = pool.member(master.get()).applied().state().vms().get(vm);
            return seen != null
                    && seen.powerState() == PowerState.RUNNING
                    && seen.residentOn().equals(Optional.of(pool.host(host)))
                    && pool.hypervisor(host).runningVms().containsKey(vm);
        });
    }

    private static void awaitReadmitted(TestingPool pool, int host) {
        await().atMost(TestingPool.WAIT)
                .until(() -> pool.member(host).state() == MemberState.SLAVE
                        && pool.soleMaster().filter(m -> liveIn(pool, m, host)).isPresent()
                        // and every member judges the next cable against the grown liveset (README "Pool HA")
                        && pool.members().stream().allMatch(RatisPoolMember::haLivesetAgreed));
    }

    private static boolean liveIn(TestingPool pool, int viewer, int host) {
        Host h = pool.member(viewer).applied().state().hosts().get(pool.host(host));
        return h != null && h.live();
    }

    private static Set<Integer> fenced(TestingPool pool) {
        return IntStream.range(0, pool.size())
                .filter(i -> pool.member(i).state() == MemberState.FENCED)
                .boxed()
                .collect(Collectors.toSet());
    }

    private static void assertNeverFenced(Map<Integer, List<RoleState.Change>> moves, int host) {
        assertTrue(
                moves.get(host).stream().noneMatch(c -> c.to() == MemberState.FENCED),
                "host" + (host + 1) + " fenced although its side survived: " + moves.get(host));
    }

    private static void assertNothingOnTheWitness(TestingPool pool) {
        assertTrue(pool.hypervisor(WITNESS).runningVms().isEmpty(), "a VM ran on the witness");
        assertEquals(0, pool.hypervisor(WITNESS).callCount("start"), "the witness was asked to start a VM");
    }
}
