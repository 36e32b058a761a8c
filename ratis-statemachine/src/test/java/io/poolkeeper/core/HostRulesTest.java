package io.poolkeeper.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Host operations through {@link Transition#apply}: the seed's failure procedures (host-forget, host-declare-dead,
 * §2.6.1), liveness, enable/disable and evacuate, with every refusal code each can return.
 */
@Timeout(30)
class HostRulesTest {
    private static final long GIB = PoolFixture.GIB;
    private static final PoolId POOL = PoolFixture.POOL;
    private static final HostId MASTER = host(1);
    private static final HostId A = host(2);
    private static final HostId B = host(3);
    private static final HostId UNKNOWN = host(99);
    private static final SrId SR = new SrId(new UUID(1, 0x5));
    private static final PbdId PBD_MASTER = new PbdId(new UUID(1, 0xd));
    private static final PbdId PBD_A = new PbdId(new UUID(2, 0xd));
    private static final PbdId PBD_B = new PbdId(new UUID(3, 0xd));

    // ---------------------------------------------------------------- host-forget

    static Stream<Arguments> forgetRefusals() {
        Consumer<PoolFixture> aDead = s -> s.apply(new Operation.HostSetLive(A, false));
        return Stream.of(
                Arguments.of(
                        "an unknown host", aDead, UNKNOWN, ErrorCode.HANDLE_INVALID, List.of("host", UNKNOWN + "")),
                Arguments.of(
                        "HA enabled",
                        (Consumer<PoolFixture>) s -> {
                            s.apply(new Operation.PoolHaEnable(0));
                            aDead.accept(s);
                        },
                        A,
                        ErrorCode.HA_IS_ENABLED,
                        List.of()),
                Arguments.of("the live master", aDead, MASTER, ErrorCode.HOST_IS_MASTER, List.of(MASTER + "")),
                Arguments.of(
                        "the master, even if not live",
                        (Consumer<PoolFixture>) s -> s.apply(new Operation.HostSetLive(MASTER, false)),
                        MASTER,
                        ErrorCode.HOST_IS_MASTER,
                        List.of(MASTER + "")),
                Arguments.of(
                        "a live host", (Consumer<PoolFixture>) s -> {}, A, ErrorCode.HOST_IS_LIVE, List.of(A + "")));
    }

    @ParameterizedTest(name = "{0}: {3}")
    @MethodSource("forgetRefusals")
    void forgetRefusals(String name, Consumer<PoolFixture> setup, HostId target, ErrorCode code, List<String> params) {
        PoolFixture s = threeHosts();
        setup.accept(s);
        Rejection r = s.reject(new Operation.HostForget(target), code);
        assertEquals(params, r.params());
    }

    // VM ids are created out of id order below, so that "in id order" is not "in creation order".
    private static final VmId V_AFFINE = vm(1);
    private static final VmId V_PAUSED = vm(2);
    private static final VmId V_STARTING = vm(3);
    private static final VmId V_MIGRATING_OUT = vm(4);
    private static final VmId V_RUNNING = vm(5);
    private static final VmId V_MIGRATING_IN = vm(6);
    private static final VmId V_ELSEWHERE = vm(7);
    private static final VmId V_SUSPENDED = vm(8);

    /**
     * Three hosts, a shared SR plugged on all, and VMs in every relation to A: running, paused, starting there,
     * migrating to and away from it, affine to it, suspended from it; and one VM on B that has nothing to do with A.
     */
    private static PoolFixture poolWithVmsOnA() {
        PoolFixture s = threeHosts();
        s.apply(new Operation.VmCreate(V_RUNNING, "running", 2 * GIB, 1, Optional.of(A), HaRestartPriority.RESTART, 0));
        s.startOn(V_RUNNING, A);
        s.createVm(V_PAUSED, 2 * GIB);
        s.startOn(V_PAUSED, A);
        s.apply(new Operation.VmPause(V_PAUSED));
        s.apply(new Operation.VmCompleteOperation(V_PAUSED, VmOperation.PAUSE, true));
        s.createVm(V_MIGRATING_OUT, 2 * GIB);
        s.startOn(V_MIGRATING_OUT, A);
        s.apply(new Operation.VmMigrate(V_MIGRATING_OUT, B));
        s.createVm(V_STARTING, 2 * GIB);
        s.apply(new Operation.VmStart(V_STARTING, Optional.of(A), false));
        s.createVm(V_MIGRATING_IN, 2 * GIB);
        s.startOn(V_MIGRATING_IN, B);
        s.apply(new Operation.VmMigrate(V_MIGRATING_IN, A));
        s.apply(new Operation.VmCreate(V_AFFINE, "affine", GIB, 1, Optional.of(A), HaRestartPriority.NONE, 0));
        s.createVm(V_ELSEWHERE, 2 * GIB);
        s.startOn(V_ELSEWHERE, B);
        s.createVm(V_SUSPENDED, GIB);
        s.startOn(V_SUSPENDED, A);
        s.apply(new Operation.VmSuspend(V_SUSPENDED));
        s.apply(new Operation.VmCompleteOperation(V_SUSPENDED, VmOperation.SUSPEND, true));
        return s;
    }

    @Test
    void aDeadHostsVmsStayRunningInTheDatabase() {
        PoolFixture s = poolWithVmsOnA();
        PoolState before = s.state();
        assertEquals(Result.DONE, s.apply(new Operation.HostSetLive(A, false)));
        assertEquals(false, s.state().hosts().get(A).live());
        assertEquals(before.vms(), s.state().vms(), "seed 2.6.1: no VM changes until an operator acts");
        assertEquals(PowerState.RUNNING, s.vm(V_RUNNING).powerState());
        assertEquals(Optional.of(A), s.vm(V_RUNNING).residentOn());
    }

    @Test
    void forgetHaltsTheDeadHostsVmsAndRemovesTheHostWithEverythingReferringToIt() {
        PoolFixture s = poolWithVmsOnA();
        s.apply(new Operation.HostSetLive(A, false));
        PoolState before = s.state();

        Result result = s.apply(new Operation.HostForget(A));

        assertEquals(new Result.VmsHalted(List.of(V_PAUSED, V_MIGRATING_OUT, V_RUNNING)), result);
        for (VmId halted : List.of(V_PAUSED, V_MIGRATING_OUT, V_RUNNING)) {
            assertSettled(s.vm(halted), PowerState.HALTED, Optional.empty());
        }
        assertSettled(s.vm(V_STARTING), PowerState.HALTED, Optional.empty());
        assertSettled(s.vm(V_MIGRATING_IN), PowerState.RUNNING, Optional.of(B));
        assertEquals(before.vms().get(V_ELSEWHERE), s.vm(V_ELSEWHERE));
        assertEquals(before.vms().get(V_SUSPENDED), s.vm(V_SUSPENDED));
        assertEquals(Optional.empty(), s.vm(V_RUNNING).affinity());
        assertEquals(Optional.empty(), s.vm(V_AFFINE).affinity());
        assertEquals(true, s.vm(V_RUNNING).haAlwaysRun(), "the intent to run survives: HA or an operator restarts it");

        assertEquals(List.of(MASTER, B), List.copyOf(s.state().hosts().keySet()));
        assertEquals(List.of(PBD_MASTER, PBD_B), List.copyOf(s.state().pbds().keySet()));
        assertEquals(before.srs(), s.state().srs());
        // B keeps the migrating-in VM and its own; the reservation of the VM that was leaving A is gone.
        assertEquals(12 * GIB, s.state().freeMemory(s.state().hosts().get(B)));
    }

    @Test
    void vmsHaltedByForgetCanBeRestartedOnOtherHosts() {
        PoolFixture s = poolWithVmsOnA();
        s.apply(new Operation.HostSetLive(A, false));
        s.apply(new Operation.HostForget(A));

        s.startOn(V_RUNNING, B);
        s.startOn(V_PAUSED, MASTER);
        Result placed = s.apply(new Operation.VmStart(V_MIGRATING_OUT, Optional.empty(), false));
        HostId chosen = assertInstanceOf(Result.Placed.class, placed).host();
        s.apply(new Operation.VmCompleteOperation(V_MIGRATING_OUT, VmOperation.START, true));
        s.apply(new Operation.VmStart(V_STARTING, Optional.empty(), false));

        assertSettled(s.vm(V_RUNNING), PowerState.RUNNING, Optional.of(B));
        assertSettled(s.vm(V_PAUSED), PowerState.RUNNING, Optional.of(MASTER));
        assertSettled(s.vm(V_MIGRATING_OUT), PowerState.RUNNING, Optional.of(chosen));
        assertTrue(List.of(MASTER, B).contains(chosen), "placed on a surviving host: " + chosen);
    }

    @Test
    void forgettingADeadVoterPromotesTheFirstListener() {
        PoolFixture s = PoolFixture.empty();
        s.apply(new Operation.PoolCreate(POOL, "lab", spec(MASTER, GIB, false), 2));
        assertEquals(HostRole.VOTER, join(s, A, GIB, false));
        assertEquals(HostRole.LISTENER, join(s, B, GIB, false));
        s.apply(new Operation.HostSetLive(A, false));
        assertEquals(new Result.VmsHalted(List.of()), s.apply(new Operation.HostForget(A)));
        assertEquals(HostRole.VOTER, s.state().hosts().get(B).role());
    }

    // ---------------------------------------------------------------- host-declare-dead

    static Stream<Arguments> declareDeadRefusals() {
        Consumer<PoolFixture> aDead = s -> s.apply(new Operation.HostSetLive(A, false));
        return Stream.of(
                Arguments.of(
                        "an unknown host", aDead, UNKNOWN, ErrorCode.HANDLE_INVALID, List.of("host", UNKNOWN + "")),
                Arguments.of(
                        "the master, even if not live",
                        (Consumer<PoolFixture>) s -> s.apply(new Operation.HostSetLive(MASTER, false)),
                        MASTER,
                        ErrorCode.HOST_IS_MASTER,
                        List.of(MASTER + "")),
                Arguments.of(
                        "a live host", (Consumer<PoolFixture>) s -> {}, A, ErrorCode.HOST_IS_LIVE, List.of(A + "")));
    }

    @ParameterizedTest(name = "{0}: {3}")
    @MethodSource("declareDeadRefusals")
    void declareDeadRefusals(
            String name, Consumer<PoolFixture> setup, HostId target, ErrorCode code, List<String> params) {
        PoolFixture s = threeHosts();
        setup.accept(s);
        Rejection r = s.reject(new Operation.HostDeclareDead(target), code);
        assertEquals(params, r.params());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void declareDeadHaltsTheVmsAndKeepsTheHostDisabled(boolean haEnabled) {
        PoolFixture s = poolWithVmsOnA();
        if (haEnabled) {
            s.apply(new Operation.PoolHaEnable(0));
        }
        s.apply(new Operation.HostSetLive(A, false));
        PoolState before = s.state();

        Result result = s.apply(new Operation.HostDeclareDead(A));

        assertEquals(new Result.VmsHalted(List.of(V_PAUSED, V_MIGRATING_OUT, V_RUNNING)), result);
        for (VmId halted : List.of(V_PAUSED, V_MIGRATING_OUT, V_RUNNING, V_STARTING)) {
            assertSettled(s.vm(halted), PowerState.HALTED, Optional.empty());
        }
        assertSettled(s.vm(V_MIGRATING_IN), PowerState.RUNNING, Optional.of(B));
        assertEquals(before.hosts().get(A).withEnabled(false), s.state().hosts().get(A));
        assertEquals(before.pbds(), s.state().pbds(), "the host is kept, and so is its storage");
        assertEquals(Optional.of(A), s.vm(V_AFFINE).affinity(), "the host is kept, and so are affinities to it");

        // A declared-dead host takes no VM until it is back and re-enabled.
        s.reject(new Operation.VmStart(V_RUNNING, Optional.of(A), false), ErrorCode.HOST_OFFLINE);
        s.apply(new Operation.HostSetLive(A, true));
        s.reject(new Operation.VmStart(V_RUNNING, Optional.of(A), false), ErrorCode.HOST_DISABLED);
        s.apply(new Operation.HostEnable(A));
        s.startOn(V_RUNNING, A);
    }

    // ---------------------------------------------------------------- host-fenced (HA's verdict)

    @Test
    void fencedRefusesAPoolWithoutHaTheMasterAndAnUnknownHost() {
        PoolFixture s = threeHosts();
        s.reject(new Operation.HostFenced(A), ErrorCode.HA_NOT_ENABLED);
        s.apply(new Operation.PoolHaEnable(0));
        assertEquals(
                List.of(MASTER + ""),
                s.reject(new Operation.HostFenced(MASTER), ErrorCode.HOST_IS_MASTER)
                        .params());
        assertEquals(
                List.of("host", UNKNOWN + ""),
                s.reject(new Operation.HostFenced(UNKNOWN), ErrorCode.HANDLE_INVALID)
                        .params());
    }

    @Test
    void fencedHaltsTheVmsKeepsProtectionAndLeavesTheHostEnabled() {
        PoolFixture s = poolWithVmsOnA();
        s.apply(new Operation.PoolHaEnable(0));
        PoolState before = s.state();

        Result result = s.apply(new Operation.HostFenced(A));

        assertEquals(new Result.VmsHalted(List.of(V_PAUSED, V_MIGRATING_OUT, V_RUNNING)), result);
        for (VmId halted : List.of(V_PAUSED, V_MIGRATING_OUT, V_RUNNING, V_STARTING)) {
            assertSettled(s.vm(halted), PowerState.HALTED, Optional.empty());
            assertEquals(before.vms().get(halted).haAlwaysRun(), s.vm(halted).haAlwaysRun(), "HA restarts it");
        }
        assertEquals(before.hosts().get(A).withLive(false), s.state().hosts().get(A), "not live, still enabled");
        // Re-admitted: live again, it takes VMs at once.
        s.apply(new Operation.HostSetLive(A, true));
        s.startOn(V_RUNNING, A);
    }

    // ---------------------------------------------------------------- host-set-live

    @Test
    void setLiveRefusesAnUnknownHost() {
        Rejection r = threeHosts().reject(new Operation.HostSetLive(UNKNOWN, false), ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("host", UNKNOWN.toString()), r.params());
    }

    @Test
    void aHostThatIsNotLiveTakesNoVmsUntilItIsLiveAgain() {
        PoolFixture s = threeHosts();
        s.createVm(vm(1), GIB);
        s.apply(new Operation.HostSetLive(A, false));
        assertEquals(false, s.state().hosts().get(A).live());
        Rejection r = s.reject(new Operation.VmStart(vm(1), Optional.of(A), false), ErrorCode.HOST_OFFLINE);
        assertEquals(List.of(A.toString()), r.params());

        s.apply(new Operation.HostSetLive(A, true));
        assertEquals(true, s.state().hosts().get(A).live());
        s.startOn(vm(1), A);
    }

    // ---------------------------------------------------------------- host-enable / host-disable

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void enableAndDisableRefuseAnUnknownHost(boolean enable) {
        Operation op = enable ? new Operation.HostEnable(UNKNOWN) : new Operation.HostDisable(UNKNOWN);
        Rejection r = threeHosts().reject(op, ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("host", UNKNOWN.toString()), r.params());
    }

    @Test
    void aDisabledHostRefusesNewVmsButKeepsItsOwn() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        join(s, A, 4 * GIB, false);
        s.createVm(vm(1), GIB);
        s.createVm(vm(2), 2 * GIB);
        s.startOn(vm(1), A);

        s.apply(new Operation.HostDisable(A));

        assertEquals(false, s.state().hosts().get(A).enabled());
        assertSettled(s.vm(vm(1)), PowerState.RUNNING, Optional.of(A));
        Rejection r = s.reject(new Operation.VmStart(vm(2), Optional.of(A), false), ErrorCode.HOST_DISABLED);
        assertEquals(List.of(A.toString()), r.params());
        // Only A has room for 2 GiB: with A disabled, no host fits.
        s.reject(new Operation.VmStart(vm(2), Optional.empty(), false), ErrorCode.NO_HOSTS_AVAILABLE);

        s.apply(new Operation.HostEnable(A));
        assertEquals(true, s.state().hosts().get(A).enabled());
        assertEquals(new Result.Placed(A), s.apply(new Operation.VmStart(vm(2), Optional.empty(), false)));
    }

    @Test
    void automaticPlacementSkipsADisabledHost() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        join(s, A, 8 * GIB, false);
        join(s, B, 2 * GIB, false);
        s.createVm(vm(1), GIB);
        s.apply(new Operation.HostDisable(A));
        assertEquals(new Result.Placed(B), s.apply(new Operation.VmStart(vm(1), Optional.empty(), false)));
    }

    // ---------------------------------------------------------------- host-evacuate

    @Test
    void evacuateRefusesAnUnknownHost() {
        Rejection r = threeHosts().reject(new Operation.HostEvacuate(UNKNOWN), ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("host", UNKNOWN.toString()), r.params());
    }

    @Test
    void evacuateRefusesAHostThatIsNotLive() {
        PoolFixture s = threeHosts();
        s.createVm(vm(1), GIB);
        s.startOn(vm(1), A);
        s.apply(new Operation.HostSetLive(A, false));
        Rejection r = s.reject(new Operation.HostEvacuate(A), ErrorCode.HOST_OFFLINE);
        assertEquals(List.of(A.toString()), r.params());
    }

    static Stream<Arguments> evacuateVmRefusals() {
        Function<VmId, Consumer<PoolFixture>> rebooting = id -> s -> s.apply(new Operation.VmReboot(id, false));
        Function<VmId, Consumer<PoolFixture>> paused = id -> s -> {
            s.apply(new Operation.VmPause(id));
            s.apply(new Operation.VmCompleteOperation(id, VmOperation.PAUSE, true));
        };
        return Stream.of(
                Arguments.of(
                        "a VM with an operation in progress",
                        rebooting,
                        ErrorCode.OTHER_OPERATION_IN_PROGRESS,
                        List.of("VM", vm(2).toString(), "clean_reboot")),
                Arguments.of(
                        "a paused VM",
                        paused,
                        ErrorCode.VM_BAD_POWER_STATE,
                        List.of(vm(2).toString(), "Running", "Paused")));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("evacuateVmRefusals")
    void evacuateRefusesVmsThatCannotMigrate(
            String name, Function<VmId, Consumer<PoolFixture>> setup, ErrorCode code, List<String> params) {
        PoolFixture s = threeHosts();
        s.createVm(vm(1), 2 * GIB);
        s.createVm(vm(2), GIB);
        s.startOn(vm(1), A);
        s.startOn(vm(2), A);
        setup.apply(vm(2)).accept(s);
        Rejection r = s.reject(new Operation.HostEvacuate(A), code);
        assertEquals(params, r.params());
    }

    @Test
    void evacuateMovesNothingWhenOneVmHasNoPlace() {
        PoolFixture s = evacuationPool(7 * GIB, 4 * GIB);
        s.createVm(vm(1), 6 * GIB);
        s.createVm(vm(2), 5 * GIB);
        s.startOn(vm(1), A);
        s.startOn(vm(2), A);
        // 6 GiB fits on the master (7 free); 5 GiB then fits neither there (1 left) nor on B (4).
        Rejection r = s.reject(new Operation.HostEvacuate(A), ErrorCode.NO_HOSTS_AVAILABLE);
        assertEquals(List.of(vm(2).toString()), r.params());
    }

    @Test
    void evacuatePlacesTheLargestVmFirstAndCountsEarlierPicks() {
        PoolFixture s = evacuationPool(5 * GIB, 4 * GIB);
        VmId small = vm(1);
        VmId big = vm(9);
        s.createVm(small, 3 * GIB);
        s.createVm(big, 4 * GIB);
        s.startOn(small, A);
        s.startOn(big, A);

        // Largest first: big takes the master (5 free), leaving 1; small must then go to B (4 free), not the
        // master, which had the most free memory before big's reservation.
        Result result = s.apply(new Operation.HostEvacuate(A));

        assertEquals(new Result.Evacuation(new TreeMap<>(Map.of(big, MASTER, small, B))), result);
        assertMigrating(s.vm(big), A, MASTER);
        assertMigrating(s.vm(small), A, B);
        assertEquals(GIB, s.state().freeMemory(s.state().hosts().get(MASTER)));
        assertEquals(GIB, s.state().freeMemory(s.state().hosts().get(B)));

        s.apply(new Operation.VmCompleteOperation(big, VmOperation.MIGRATE, true));
        s.apply(new Operation.VmCompleteOperation(small, VmOperation.MIGRATE, true));
        assertSettled(s.vm(big), PowerState.RUNNING, Optional.of(MASTER));
        assertSettled(s.vm(small), PowerState.RUNNING, Optional.of(B));
        assertEquals(List.of(), s.state().vmsUsing(A).toList());
        s.apply(new Operation.PoolEject(A));
    }

    @Test
    void evacuateSkipsDisabledHostsAndWitnesses() {
        PoolFixture s = PoolFixture.withMaster(MASTER, 2 * GIB);
        join(s, A, 8 * GIB, false);
        join(s, B, 16 * GIB, false);
        join(s, host(4), 16 * GIB, true);
        s.createVm(vm(1), GIB);
        s.startOn(vm(1), A);
        s.apply(new Operation.HostDisable(B));
        assertEquals(
                new Result.Evacuation(new TreeMap<>(Map.of(vm(1), MASTER))), s.apply(new Operation.HostEvacuate(A)));
    }

    @Test
    void evacuatingAnEmptyHostMovesNothing() {
        PoolFixture s = threeHosts();
        s.createVm(vm(1), GIB);
        PoolState before = s.state();
        assertEquals(new Result.Evacuation(new TreeMap<>()), s.apply(new Operation.HostEvacuate(A)));
        assertEquals(before, s.state());
    }

    /** The master and B with the given memory, A with 16 GiB to evacuate. */
    private static PoolFixture evacuationPool(long masterMemory, long bMemory) {
        PoolFixture s = PoolFixture.withMaster(MASTER, masterMemory);
        join(s, A, 16 * GIB, false);
        join(s, B, bMemory, false);
        return s;
    }

    // ---------------------------------------------------------------- helpers

    private static void assertSettled(Vm vm, PowerState power, Optional<HostId> residentOn) {
        assertEquals(power, vm.powerState(), vm.uuid() + " power state");
        assertEquals(residentOn, vm.residentOn(), vm.uuid() + " resident-on");
        assertEquals(Optional.empty(), vm.scheduledToBeResidentOn(), vm.uuid() + " reservation");
        assertEquals(Optional.empty(), vm.currentOperation(), vm.uuid() + " operation");
    }

    private static void assertMigrating(Vm vm, HostId from, HostId to) {
        assertEquals(PowerState.RUNNING, vm.powerState());
        assertEquals(Optional.of(from), vm.residentOn());
        assertEquals(Optional.of(to), vm.scheduledToBeResidentOn());
        assertEquals(Optional.of(VmOperation.MIGRATE), vm.currentOperation());
    }

    /** Master, A and B with 16 GiB each, all voters, one shared SR plugged on all three. */
    private static PoolFixture threeHosts() {
        PoolFixture s = PoolFixture.withMaster(MASTER, 16 * GIB);
        join(s, A, 16 * GIB, false);
        join(s, B, 16 * GIB, false);
        s.apply(new Operation.SrCreate(
                SR,
                "nfs",
                "nfs",
                true,
                new TreeMap<>(),
                new TreeMap<>(Map.of(MASTER, PBD_MASTER, A, PBD_A, B, PBD_B))));
        return s;
    }

    private static HostId host(int n) {
        return new HostId(new UUID(n, 0x40));
    }

    private static VmId vm(int n) {
        return new VmId(new UUID(n, 0xf0));
    }

    private static Operation.HostSpec spec(HostId id, long memory, boolean witness) {
        return PoolFixture.spec(id, memory, witness);
    }

    /** Joins a host and returns the role it was given. */
    private static HostRole join(PoolFixture f, HostId host, long memory, boolean witness) {
        return assertInstanceOf(Result.Joined.class, f.apply(TestJoinTokens.join(spec(host, memory, witness))))
                .role();
    }
}
