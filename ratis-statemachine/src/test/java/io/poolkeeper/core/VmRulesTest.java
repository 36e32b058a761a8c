package io.poolkeeper.core;

import static io.poolkeeper.core.PoolFixture.GIB;
import static io.poolkeeper.core.PoolFixture.hostId;
import static io.poolkeeper.core.PoolFixture.srId;
import static io.poolkeeper.core.PoolFixture.vdiId;
import static io.poolkeeper.core.PoolFixture.vmId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * VM commands other than the power-state table (see {@link VmLifecycleTest}), through {@link Transition#apply}:
 * vm-create, vm-destroy, placement of start/resume/migrate, vm-reset-powerstate and vm-param-set, with every refusal
 * code each can return.
 */
@Timeout(60)
class VmRulesTest {
    private static final HostId H1 = hostId(1);
    private static final HostId H2 = hostId(2);
    private static final HostId H3 = hostId(3);
    private static final HostId H4 = hostId(4);
    private static final HostId UNKNOWN_HOST = hostId(99);
    private static final VmId VM = vmId(1);
    private static final VmId OTHER_VM = vmId(2);
    private static final VmId UNKNOWN_VM = vmId(99);
    private static final SrId SR = srId(1);
    private static final VdiId DISK = vdiId(1);

    // ================================================================ vm-create

    @Test
    void createMakesHaltedVmWithTheGivenFields() {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB, 8 * GIB);
        pool.apply(new Operation.VmCreate(VM, "web", 3 * GIB, 4, Optional.of(H2), HaRestartPriority.RESTART, -2));

        assertEquals(
                new Vm(
                        VM,
                        "web",
                        PowerState.HALTED,
                        Optional.empty(),
                        Optional.empty(),
                        Optional.of(H2),
                        3 * GIB,
                        4,
                        HaRestartPriority.RESTART,
                        false,
                        -2,
                        Optional.empty()),
                pool.vm(VM));
    }

    @Test
    void createRefusesAnExistingUuid() {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB).createVm(VM, GIB);
        Rejection rejection = pool.reject(PoolFixture.vmCreate(VM, 2 * GIB), ErrorCode.UUID_ALREADY_EXISTS);
        assertEquals(List.of("VM", VM.toString()), rejection.params());
        assertEquals(GIB, pool.vm(VM).memory());
    }

    static Stream<Arguments> invalidSizes() {
        return Stream.of(
                Arguments.of(0L, 1, "memory", "0"),
                Arguments.of(-GIB, 1, "memory", String.valueOf(-GIB)),
                Arguments.of(Long.MIN_VALUE, 1, "memory", String.valueOf(Long.MIN_VALUE)),
                Arguments.of(GIB, 0, "vcpus", "0"),
                Arguments.of(GIB, -1, "vcpus", "-1"),
                Arguments.of(GIB, Integer.MIN_VALUE, "vcpus", String.valueOf(Integer.MIN_VALUE)));
    }

    @ParameterizedTest(name = "memory={0} vcpus={1}")
    @MethodSource("invalidSizes")
    void createRefusesNonPositiveMemoryOrVcpus(long memory, int vcpus, String field, String value) {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB);
        Rejection rejection = pool.reject(
                new Operation.VmCreate(VM, "vm", memory, vcpus, Optional.empty(), HaRestartPriority.NONE, 0),
                ErrorCode.INVALID_VALUE);
        assertEquals(List.of(field, value), rejection.params());
    }

    @Test
    void createRefusesAffinityToUnknownHost() {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB);
        Rejection rejection = pool.reject(
                new Operation.VmCreate(VM, "vm", GIB, 1, Optional.of(UNKNOWN_HOST), HaRestartPriority.NONE, 0),
                ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("host", UNKNOWN_HOST.toString()), rejection.params());
    }

    @Test
    void createDoesNotNeedAHostBigEnough() {
        // Creation is metadata only; the memory check belongs to placement.
        PoolFixture pool = PoolFixture.withHosts(GIB).createVm(VM, 64 * GIB);
        assertEquals(64 * GIB, pool.vm(VM).memory());
    }

    // ================================================================ vm-destroy

    /** A pool with an SR on H1, two disks attached to VM (and one to OTHER_VM), VM in {@code state}. */
    private static PoolFixture vmWithDisks(PowerState state) {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB, 8 * GIB)
                .createSr(SR, true, H1, H2)
                .createVdi(DISK, SR)
                .createVdi(vdiId(2), SR)
                .createVm(VM, GIB)
                .createVm(OTHER_VM, GIB);
        pool.attach(VM, DISK);
        pool.attach(VM, vdiId(2));
        pool.attach(OTHER_VM, DISK);
        switch (state) {
            case HALTED -> {}
            case RUNNING -> pool.startOn(VM, H1);
            case PAUSED -> pool.startPausedOn(VM, H1);
            case SUSPENDED -> pool.startOn(VM, H1).suspend(VM);
        }
        return pool;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = PowerState.class,
            names = {"HALTED", "SUSPENDED"})
    void destroyRemovesTheVmAndItsVbdsButNotTheDisks(PowerState state) {
        PoolFixture pool = vmWithDisks(state);
        List<VbdId> others = pool.state().vbdsOf(OTHER_VM).map(v -> v.uuid()).toList();

        pool.apply(new Operation.VmDestroy(VM));

        assertFalse(pool.state().vms().containsKey(VM));
        assertEquals(0, pool.state().vbdsOf(VM).count());
        assertEquals(others, pool.state().vbds().keySet().stream().toList(), "other VMs keep their disks");
        assertTrue(pool.state().vdis().containsKey(DISK));
        assertTrue(pool.state().vdis().containsKey(vdiId(2)));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = PowerState.class,
            names = {"RUNNING", "PAUSED"})
    void destroyRefusesALiveVm(PowerState state) {
        PoolFixture pool = vmWithDisks(state);
        Rejection rejection = pool.reject(new Operation.VmDestroy(VM), ErrorCode.VM_BAD_POWER_STATE);
        assertEquals(List.of(VM.toString(), "Halted|Suspended", state.xapiName()), rejection.params());
        assertEquals(
                "VM " + VM + " is " + state.xapiName() + "; the operation needs it Halted or Suspended",
                rejection.message());
    }

    @Test
    void destroyRefusesWhileAnOperationIsInProgress() {
        PoolFixture pool = vmWithDisks(PowerState.HALTED);
        pool.beginStart(VM, Optional.of(H1));
        Rejection rejection = pool.reject(new Operation.VmDestroy(VM), ErrorCode.OTHER_OPERATION_IN_PROGRESS);
        assertEquals(List.of("VM", VM.toString(), "start"), rejection.params());
    }

    // ================================================================ HANDLE_INVALID for every VM command

    static Stream<Arguments> everyVmCommandOnUnknownVm() {
        return Stream.of(
                        new Operation.VmDestroy(UNKNOWN_VM),
                        new Operation.VmStart(UNKNOWN_VM, Optional.empty(), false),
                        new Operation.VmStart(UNKNOWN_VM, Optional.of(H1), true),
                        new Operation.VmShutdown(UNKNOWN_VM, false),
                        new Operation.VmShutdown(UNKNOWN_VM, true),
                        new Operation.VmReboot(UNKNOWN_VM, false),
                        new Operation.VmReboot(UNKNOWN_VM, true),
                        new Operation.VmSuspend(UNKNOWN_VM),
                        new Operation.VmResume(UNKNOWN_VM, Optional.empty()),
                        new Operation.VmPause(UNKNOWN_VM),
                        new Operation.VmUnpause(UNKNOWN_VM),
                        new Operation.VmMigrate(UNKNOWN_VM, H2),
                        new Operation.VmCompleteOperation(UNKNOWN_VM, VmOperation.START, true),
                        new Operation.VmResetPowerstate(UNKNOWN_VM, true),
                        new Operation.VmResetPowerstate(UNKNOWN_VM, false),
                        new Operation.VmParamSet(UNKNOWN_VM, "name-label", "x"))
                .map(op -> Arguments.of(op.xeName(), op));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("everyVmCommandOnUnknownVm")
    void everyVmCommandRefusesAnUnknownVm(String name, Operation operation) {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB, 8 * GIB).createVm(VM, GIB);
        Rejection rejection = pool.reject(operation, ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("VM", UNKNOWN_VM.toString()), rejection.params(), name);
    }

    // ================================================================ placement with on=

    /** The three operations that place a VM, each from the state it needs, with the VM's home on H1. */
    enum Mover {
        START(PowerState.HALTED, (vm, on) -> new Operation.VmStart(vm, Optional.of(on), false)),
        START_PAUSED(PowerState.HALTED, (vm, on) -> new Operation.VmStart(vm, Optional.of(on), true)),
        RESUME(PowerState.SUSPENDED, (vm, on) -> new Operation.VmResume(vm, Optional.of(on))),
        MIGRATE(PowerState.RUNNING, Operation.VmMigrate::new);

        final PowerState from;
        private final BiFunction<VmId, HostId, Operation> command;

        Mover(PowerState from, BiFunction<VmId, HostId, Operation> command) {
            this.from = from;
            this.command = command;
        }

        Operation to(VmId vm, HostId host) {
            return command.apply(vm, host);
        }

        /** Brings the pool's VM (halted) to the state this operation needs, running on H1 if it runs. */
        void prepare(PoolFixture pool) {
            switch (from) {
                case HALTED -> {}
                case SUSPENDED -> pool.startOn(VM, H1).suspend(VM);
                case RUNNING -> pool.startOn(VM, H1);
                default -> throw new IllegalStateException();
            }
        }
    }

    /**
     * Hosts H1 (master, 8 GiB) and H2 (8 GiB), a witness H3, H4 (8 GiB), and VM (2 GiB) with a disk on a shared SR
     * plugged on H1 and H2 (not on H4), brought to the state {@code mover} needs.
     */
    private static PoolFixture placementPool(Mover mover) {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB, 8 * GIB)
                .joinWitness(H3, 8 * GIB)
                .join(H4, 8 * GIB)
                .createSr(SR, true, H1, H2)
                .createVdi(DISK, SR)
                .createVm(VM, 2 * GIB);
        pool.attach(VM, DISK);
        mover.prepare(pool);
        return pool;
    }

    /** How a target host is spoiled, the host to aim at, the refusal expected and its parameters. */
    record Spoiler(String name, Consumer<PoolFixture> spoil, HostId target, ErrorCode code, List<String> params) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Spoiler> spoilers() {
        return List.of(
                new Spoiler(
                        "unknown host",
                        pool -> {},
                        UNKNOWN_HOST,
                        ErrorCode.HANDLE_INVALID,
                        List.of("host", UNKNOWN_HOST.toString())),
                new Spoiler(
                        "host not live",
                        pool -> pool.setLive(H2, false),
                        H2,
                        ErrorCode.HOST_OFFLINE,
                        List.of(H2.toString())),
                new Spoiler(
                        "host not live and disabled: liveness first",
                        pool -> pool.setLive(H2, false).disable(H2),
                        H2,
                        ErrorCode.HOST_OFFLINE,
                        List.of(H2.toString())),
                new Spoiler(
                        "host disabled", pool -> pool.disable(H2), H2, ErrorCode.HOST_DISABLED, List.of(H2.toString())),
                new Spoiler("witness", pool -> {}, H3, ErrorCode.HOST_IS_WITNESS, List.of(H3.toString())),
                new Spoiler(
                        "memory used by a running VM",
                        pool -> pool.createVm(OTHER_VM, 7 * GIB).startOn(OTHER_VM, H2),
                        H2,
                        ErrorCode.HOST_NOT_ENOUGH_FREE_MEMORY,
                        List.of(H2.toString(), String.valueOf(2 * GIB), String.valueOf(GIB))),
                new Spoiler(
                        "memory reserved by another VM's pending start",
                        pool -> pool.createVm(OTHER_VM, 7 * GIB).beginStart(OTHER_VM, Optional.of(H2)),
                        H2,
                        ErrorCode.HOST_NOT_ENOUGH_FREE_MEMORY,
                        List.of(H2.toString(), String.valueOf(2 * GIB), String.valueOf(GIB))),
                new Spoiler(
                        "memory held by a paused VM",
                        pool -> pool.createVm(OTHER_VM, 6 * GIB + 1).startPausedOn(OTHER_VM, H2),
                        H2,
                        ErrorCode.HOST_NOT_ENOUGH_FREE_MEMORY,
                        List.of(H2.toString(), String.valueOf(2 * GIB), String.valueOf(2 * GIB - 1))),
                new Spoiler(
                        "SR unplugged on the host",
                        pool -> pool.unplug(SR, H2),
                        H2,
                        ErrorCode.VM_REQUIRES_SR,
                        List.of(VM.toString(), SR.toString())),
                new Spoiler(
                        "SR with no PBD on the host",
                        pool -> {},
                        H4,
                        ErrorCode.VM_REQUIRES_SR,
                        List.of(VM.toString(), SR.toString())));
    }

    static Stream<Arguments> moversAndSpoilers() {
        return Stream.of(Mover.values())
                .flatMap(mover -> spoilers().stream().map(spoiler -> Arguments.of(mover, spoiler)));
    }

    @ParameterizedTest(name = "{0} on={1}")
    @MethodSource("moversAndSpoilers")
    void placementOnAnUnfitHostIsRefused(Mover mover, Spoiler spoiler) {
        PoolFixture pool = placementPool(mover);
        spoiler.spoil().accept(pool);
        Vm before = pool.vm(VM);

        Rejection rejection = pool.reject(mover.to(VM, spoiler.target()), spoiler.code());

        assertEquals(spoiler.params(), rejection.params());
        assertEquals(before, pool.vm(VM));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mover.class)
    void placementOnAFitHostReservesIt(Mover mover) {
        PoolFixture pool = placementPool(mover);
        // Exactly enough memory left: the check is free >= needed.
        pool.createVm(OTHER_VM, 6 * GIB).startOn(OTHER_VM, H2);

        Result result = pool.apply(mover.to(VM, H2));

        assertEquals(new Result.Placed(H2), result);
        assertEquals(Optional.of(H2), pool.vm(VM).scheduledToBeResidentOn());
        assertEquals(0, pool.freeMemory(H2));
    }

    @Test
    void aHostBackOnlineAndEnabledTakesVmsAgain() {
        PoolFixture pool = placementPool(Mover.START);
        pool.setLive(H2, false).disable(H2);
        pool.reject(Mover.START.to(VM, H2), ErrorCode.HOST_OFFLINE);
        pool.setLive(H2, true);
        pool.reject(Mover.START.to(VM, H2), ErrorCode.HOST_DISABLED);
        pool.enable(H2);
        assertEquals(new Result.Placed(H2), pool.apply(Mover.START.to(VM, H2)));
    }

    @Test
    void migrateToItsOwnHostIsIncompatible() {
        PoolFixture pool = placementPool(Mover.MIGRATE);
        Rejection rejection = pool.reject(new Operation.VmMigrate(VM, H1), ErrorCode.VM_HOST_INCOMPATIBLE);
        assertEquals(List.of(VM.toString(), H1.toString()), rejection.params());
    }

    @Test
    void failedMigrateKeepsTheVmWhereItWas() {
        PoolFixture pool = placementPool(Mover.MIGRATE);
        pool.apply(new Operation.VmMigrate(VM, H2));
        pool.complete(VM, VmOperation.MIGRATE, false);
        assertEquals(Optional.of(H1), pool.vm(VM).residentOn());
        assertEquals(PowerState.RUNNING, pool.vm(VM).powerState());
        assertEquals(8 * GIB, pool.freeMemory(H2));
    }

    // ================================================================ placement without on=

    /** A named change to a pool, for tables. */
    record Scenario(String name, Consumer<PoolFixture> apply) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** start and resume choose a host when none is given. */
    enum Chooser {
        START(pool -> {}, vm -> new Operation.VmStart(vm, Optional.empty(), false)),
        RESUME(pool -> pool.startOn(VM, H1).suspend(VM), vm -> new Operation.VmResume(vm, Optional.empty()));

        final Consumer<PoolFixture> prepare;
        final Function<VmId, Operation> command;

        Chooser(Consumer<PoolFixture> prepare, Function<VmId, Operation> command) {
            this.prepare = prepare;
            this.command = command;
        }
    }

    /**
     * H1 4 GiB, H2 8 GiB, H3 6 GiB, a shared SR plugged on all three; VM (1 GiB, a disk on the SR) with
     * {@code affinity}, brought to the chooser's state (a resumed VM was suspended from H1).
     */
    private static PoolFixture choosingPool(Chooser chooser, Optional<HostId> affinity) {
        PoolFixture pool = PoolFixture.withHosts(4 * GIB, 8 * GIB, 6 * GIB)
                .createSr(SR, true, H1, H2, H3)
                .createVdi(DISK, SR)
                .createVm(VM, GIB, affinity);
        pool.attach(VM, DISK);
        chooser.prepare.accept(pool);
        return pool;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Chooser.class)
    void withoutAffinityTheHostWithMostFreeMemoryWins(Chooser chooser) {
        PoolFixture pool = choosingPool(chooser, Optional.empty());
        assertEquals(new Result.Placed(H2), pool.apply(chooser.command.apply(VM)));
        assertEquals(Optional.of(H2), pool.vm(VM).scheduledToBeResidentOn());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Chooser.class)
    void affinityIsPreferredWhenItFits(Chooser chooser) {
        PoolFixture pool = choosingPool(chooser, Optional.of(H1));
        assertEquals(new Result.Placed(H1), pool.apply(chooser.command.apply(VM)));
    }

    static Stream<Arguments> choosersAndUnfitAffinity() {
        List<Scenario> unfit = List.of(
                new Scenario("affinity host offline", p -> p.setLive(H1, false)),
                new Scenario("affinity host disabled", p -> p.disable(H1)),
                new Scenario(
                        "affinity host full", p -> p.createVm(OTHER_VM, 4 * GIB).startOn(OTHER_VM, H1)),
                new Scenario("affinity host without the SR", p -> p.unplug(SR, H1)));
        return Stream.of(Chooser.values()).flatMap(c -> unfit.stream().map(s -> Arguments.of(c, s)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("choosersAndUnfitAffinity")
    void unfitAffinityFallsBackToMostFreeMemory(Chooser chooser, Scenario unfit) {
        PoolFixture pool = choosingPool(chooser, Optional.of(H1));
        unfit.apply().accept(pool);
        assertEquals(new Result.Placed(H2), pool.apply(chooser.command.apply(VM)));
    }

    @Test
    void affinityToAWitnessFallsBackAndWitnessesAreNeverChosen() {
        PoolFixture pool = PoolFixture.withHosts(4 * GIB, 8 * GIB).joinWitness(H3, 64 * GIB);
        pool.createVm(VM, GIB, Optional.of(H3));
        assertEquals(H2, pool.beginStart(VM, Optional.empty()));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Chooser.class)
    void freeMemoryCountsRunningAndReservedVms(Chooser chooser) {
        PoolFixture pool = choosingPool(chooser, Optional.empty());
        pool.createVm(OTHER_VM, 5 * GIB).startOn(OTHER_VM, H2); // H2: 3 GiB free
        pool.createVm(vmId(3), 3 * GIB).beginStart(vmId(3), Optional.of(H3)); // H3: 3 GiB free, reserved only
        // H1 has 4 GiB free (a suspended VM holds none).
        assertEquals(new Result.Placed(H1), pool.apply(chooser.command.apply(VM)));
    }

    @Test
    void tiesGoToTheLowestUuidInStringOrder() {
        // As signed UUIDs f0... sorts before 10...; as strings (xhad's order) 10... is lower.
        HostId low = HostId.of("10000000-0000-0000-0000-000000000000");
        HostId high = HostId.of("f0000000-0000-0000-0000-000000000000");
        HostId master = HostId.of("00000000-0000-0000-0000-000000000001");
        PoolFixture pool =
                PoolFixture.withMaster(master, GIB / 2).join(high, 8 * GIB).join(low, 8 * GIB);
        pool.createVm(VM, GIB);
        assertEquals(low, pool.beginStart(VM, Optional.empty()));

        // VM's reservation breaks the tie for the next one.
        pool.createVm(OTHER_VM, GIB);
        assertEquals(high, pool.beginStart(OTHER_VM, Optional.empty()));
    }

    @Test
    void tieAfterAnUnfitAffinityStillGoesToTheLowestId() {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB, 8 * GIB, 8 * GIB).disable(H1);
        pool.createVm(VM, GIB, Optional.of(H1));
        assertEquals(H2, pool.beginStart(VM, Optional.empty()));
    }

    @Test
    void choiceSkipsHostsWithoutTheVmsStorage() {
        PoolFixture pool = PoolFixture.withHosts(4 * GIB, 8 * GIB, 6 * GIB)
                .createSr(SR, true, H1, H3)
                .createVdi(DISK, SR)
                .createVm(VM, GIB);
        pool.attach(VM, DISK);
        assertEquals(H3, pool.beginStart(VM, Optional.empty()));
    }

    static Stream<Arguments> choosersAndNoFit() {
        List<Scenario> noFit = List.of(
                new Scenario("every host too full", p -> p.createVm(vmId(3), 3 * GIB + 1)
                        .startOn(vmId(3), H1)
                        .createVm(vmId(4), 7 * GIB + 1)
                        .startOn(vmId(4), H2)
                        .createVm(vmId(5), 5 * GIB + 1)
                        .beginStart(vmId(5), Optional.of(H3))),
                new Scenario(
                        "every host offline or disabled",
                        p -> p.setLive(H1, false).disable(H2).setLive(H3, false)),
                new Scenario(
                        "storage plugged nowhere",
                        p -> p.unplug(SR, H1).unplug(SR, H2).unplug(SR, H3)));
        return Stream.of(Chooser.values()).flatMap(c -> noFit.stream().map(s -> Arguments.of(c, s)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("choosersAndNoFit")
    void noHostsAvailableWhenNothingFits(Chooser chooser, Scenario noFit) {
        PoolFixture pool = choosingPool(chooser, Optional.of(H2));
        noFit.apply().accept(pool);
        Rejection rejection = pool.reject(chooser.command.apply(VM), ErrorCode.NO_HOSTS_AVAILABLE);
        assertEquals(List.of(VM.toString()), rejection.params());
    }

    // ================================================================ vm-reset-powerstate

    @Test
    void resetWithoutForceIsRefused() {
        PoolFixture pool =
                PoolFixture.withHosts(8 * GIB, 8 * GIB).createVm(VM, GIB).startOn(VM, H2);
        pool.setLive(H2, false);
        Rejection rejection = pool.reject(new Operation.VmResetPowerstate(VM, false), ErrorCode.FORCE_REQUIRED);
        assertEquals(List.of("vm-reset-powerstate", VM.toString()), rejection.params());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = PowerState.class,
            names = {"RUNNING", "PAUSED"})
    void resetIsRefusedWhileTheResidentHostIsLive(PowerState state) {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB, 8 * GIB).createVm(VM, GIB);
        if (state == PowerState.RUNNING) {
            pool.startOn(VM, H2);
        } else {
            pool.startPausedOn(VM, H2);
        }
        Rejection rejection = pool.reject(new Operation.VmResetPowerstate(VM, true), ErrorCode.HOST_IS_LIVE);
        assertEquals(List.of(H2.toString()), rejection.params());
    }

    /** What is in progress on a VM resident on H2 when H2 dies. */
    enum InFlight {
        NOTHING(null),
        CLEAN_SHUTDOWN(pool -> pool.apply(new Operation.VmShutdown(VM, false))),
        HARD_REBOOT(pool -> pool.apply(new Operation.VmReboot(VM, true))),
        SUSPEND(pool -> pool.apply(new Operation.VmSuspend(VM))),
        PAUSE(pool -> pool.apply(new Operation.VmPause(VM)));

        final Consumer<PoolFixture> begin;

        InFlight(Consumer<PoolFixture> begin) {
            this.begin = begin;
        }
    }

    @ParameterizedTest(name = "{0} in flight")
    @EnumSource(InFlight.class)
    void resetAfterTheHostDiedHaltsTheVm(InFlight inFlight) {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB, 8 * GIB)
                .createVm(VM, GIB, HaRestartPriority.RESTART)
                .startOn(VM, H2);
        if (inFlight.begin != null) {
            inFlight.begin.accept(pool);
        }
        pool.reject(new Operation.VmResetPowerstate(VM, true), ErrorCode.HOST_IS_LIVE);
        pool.setLive(H2, false);
        Vm before = pool.vm(VM);

        pool.apply(new Operation.VmResetPowerstate(VM, true));

        Vm vm = pool.vm(VM);
        assertEquals(PowerState.HALTED, vm.powerState());
        assertEquals(Optional.empty(), vm.residentOn());
        assertEquals(Optional.empty(), vm.scheduledToBeResidentOn());
        assertEquals(Optional.empty(), vm.currentOperation());
        // The database only: HA's intent survives, so a protected VM is restarted elsewhere.
        assertTrue(vm.isProtected());
        assertEquals(before.settled(PowerState.HALTED, Optional.empty()), vm);
        assertEquals(8 * GIB, pool.freeMemory(H2));
        if (inFlight.begin != null) {
            pool.reject(
                    new Operation.VmCompleteOperation(VM, VmOperation.valueOf(inFlight.name()), true),
                    ErrorCode.OPERATION_NOT_IN_PROGRESS);
        }
        assertEquals(H1, pool.start(VM), "restartable on a live host");
    }

    @Test
    void resetOfAPendingStartToADeadHostClearsTheReservation() {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB, 8 * GIB).createVm(VM, GIB);
        pool.beginStart(VM, Optional.of(H2));
        pool.reject(new Operation.VmResetPowerstate(VM, true), ErrorCode.HOST_IS_LIVE);
        pool.setLive(H2, false);

        pool.apply(new Operation.VmResetPowerstate(VM, true));

        assertEquals(Optional.empty(), pool.vm(VM).scheduledToBeResidentOn());
        assertEquals(Optional.empty(), pool.vm(VM).currentOperation());
        assertEquals(8 * GIB, pool.freeMemory(H2));
    }

    @Test
    void resetOfAMigrationToALiveHostIsRefused() {
        // The source died but the target may be receiving the VM right now.
        PoolFixture pool =
                PoolFixture.withHosts(8 * GIB, 8 * GIB).createVm(VM, GIB).startOn(VM, H1);
        pool.apply(new Operation.VmMigrate(VM, H2));
        pool.setLive(H1, false);
        Rejection rejection = pool.reject(new Operation.VmResetPowerstate(VM, true), ErrorCode.HOST_IS_LIVE);
        assertEquals(List.of(H2.toString()), rejection.params());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = PowerState.class,
            names = {"HALTED", "SUSPENDED"})
    void resetOfAVmOnNoHostIsAllowed(PowerState state) {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB, 8 * GIB).createVm(VM, GIB);
        if (state == PowerState.SUSPENDED) {
            pool.startOn(VM, H2).suspend(VM);
        }
        pool.apply(new Operation.VmResetPowerstate(VM, true));
        assertEquals(PowerState.HALTED, pool.vm(VM).powerState());
    }

    // ================================================================ vm-param-set

    /** The user-settable VM fields, to read one and to replace one. */
    enum Field {
        NAME_LABEL,
        AFFINITY,
        MEMORY,
        VCPUS,
        PRIORITY,
        ALWAYS_RUN,
        ORDER;

        Object get(Vm vm) {
            return switch (this) {
                case NAME_LABEL -> vm.nameLabel();
                case AFFINITY -> vm.affinity();
                case MEMORY -> vm.memory();
                case VCPUS -> vm.vcpus();
                case PRIORITY -> vm.haRestartPriority();
                case ALWAYS_RUN -> vm.haAlwaysRun();
                case ORDER -> vm.order();
            };
        }

        @SuppressWarnings("unchecked")
        Vm with(Vm vm, Object value) {
            return vm.withParams(
                    this == NAME_LABEL ? (String) value : vm.nameLabel(),
                    this == AFFINITY ? (Optional<HostId>) value : vm.affinity(),
                    this == MEMORY ? (Long) value : vm.memory(),
                    this == VCPUS ? (Integer) value : vm.vcpus(),
                    this == PRIORITY ? (HaRestartPriority) value : vm.haRestartPriority(),
                    this == ALWAYS_RUN ? (Boolean) value : vm.haAlwaysRun(),
                    this == ORDER ? (Long) value : vm.order());
        }
    }

    /** A good value for a key, the field it sets and the value that field must then have. */
    record Good(String key, String value, Field field, Object expected) {
        @Override
        public String toString() {
            return key + "=\"" + value + "\"";
        }

        boolean sizesTheVm() {
            return field == Field.MEMORY || field == Field.VCPUS;
        }
    }

    static Stream<Good> goodParams() {
        return Stream.of(
                new Good("name-label", "db-01", Field.NAME_LABEL, "db-01"),
                new Good("name-label", "", Field.NAME_LABEL, ""),
                new Good("affinity", H2.toString(), Field.AFFINITY, Optional.of(H2)),
                new Good("affinity", H2.toString().toUpperCase(Locale.ROOT), Field.AFFINITY, Optional.of(H2)),
                new Good("affinity", "", Field.AFFINITY, Optional.empty()),
                new Good("memory", String.valueOf(3 * GIB), Field.MEMORY, 3 * GIB),
                new Good("memory", "1", Field.MEMORY, 1L),
                new Good("memory-static-max", String.valueOf(5 * GIB), Field.MEMORY, 5 * GIB),
                new Good("vcpus", "8", Field.VCPUS, 8),
                new Good("vcpus", String.valueOf(Integer.MAX_VALUE), Field.VCPUS, Integer.MAX_VALUE),
                new Good("VCPUs-max", "2", Field.VCPUS, 2),
                new Good("ha-restart-priority", "restart", Field.PRIORITY, HaRestartPriority.RESTART),
                new Good("ha-restart-priority", "best-effort", Field.PRIORITY, HaRestartPriority.BEST_EFFORT),
                new Good("ha-restart-priority", "", Field.PRIORITY, HaRestartPriority.NONE),
                new Good("ha-always-run", "true", Field.ALWAYS_RUN, true),
                new Good("ha-always-run", "TRUE", Field.ALWAYS_RUN, true),
                new Good("ha-always-run", "false", Field.ALWAYS_RUN, false),
                new Good("order", "7", Field.ORDER, 7L),
                new Good("order", "-1", Field.ORDER, -1L),
                new Good("order", "0", Field.ORDER, 0L));
    }

    /** A Halted VM with affinity H1, best-effort, always-run, order 3, 2 GiB, 2 vCPUs, named "vm". */
    private static PoolFixture paramPool() {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB, 8 * GIB);
        pool.apply(new Operation.VmCreate(VM, "vm", 2 * GIB, 2, Optional.of(H1), HaRestartPriority.BEST_EFFORT, 3));
        pool.setParam(VM, "ha-always-run", "true");
        return pool;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodParams")
    void paramSetChangesExactlyThatField(Good good) {
        PoolFixture pool = paramPool();
        Vm before = pool.vm(VM);

        pool.setParam(VM, good.key(), good.value());

        assertEquals(good.expected(), good.field().get(pool.vm(VM)));
        assertEquals(good.field().with(before, good.expected()), pool.vm(VM), "only " + good.field() + " changes");
    }

    static Stream<Arguments> invalidParams() {
        return Stream.of(
                        "affinity=not-a-uuid",
                        "affinity=40000002-0000-4000-8000",
                        "affinity= " + H2,
                        "memory=0",
                        "memory=-1",
                        "memory=abc",
                        "memory=",
                        "memory=1.5",
                        "memory=2G",
                        "memory=99999999999999999999",
                        "memory-static-max=0",
                        "vcpus=0",
                        "vcpus=-2",
                        "vcpus=x",
                        "vcpus=2147483648",
                        "VCPUs-max=",
                        "ha-restart-priority=always",
                        "ha-restart-priority=Restart",
                        "ha-restart-priority=0",
                        "ha-always-run=yes",
                        "ha-always-run=1",
                        "ha-always-run=",
                        "order=x",
                        "order=",
                        "order=1e3")
                .map(kv -> Arguments.of(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1)));
    }

    @ParameterizedTest(name = "{0}=\"{1}\"")
    @MethodSource("invalidParams")
    void paramSetRefusesAnInvalidValue(String key, String value) {
        PoolFixture pool = paramPool();
        Rejection rejection = pool.reject(new Operation.VmParamSet(VM, key, value), ErrorCode.INVALID_VALUE);
        assertEquals(List.of(key, value), rejection.params());
    }

    @ParameterizedTest(name = "key \"{0}\"")
    @ValueSource(strings = {"colour", "uuid", "power-state", "resident-on", "Name-Label", "memory ", ""})
    void paramSetRefusesAnUnknownKey(String key) {
        PoolFixture pool = paramPool();
        Rejection rejection = pool.reject(new Operation.VmParamSet(VM, key, "1"), ErrorCode.UNKNOWN_FIELD);
        assertEquals(List.of("VM", key), rejection.params());
    }

    @Test
    void paramSetRefusesAffinityToUnknownHost() {
        PoolFixture pool = paramPool();
        Rejection rejection = pool.reject(
                new Operation.VmParamSet(VM, "affinity", UNKNOWN_HOST.toString()), ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("host", UNKNOWN_HOST.toString()), rejection.params());
    }

    static Stream<Arguments> sizeKeysInNonHaltedStates() {
        return Stream.of("memory", "memory-static-max", "vcpus", "VCPUs-max")
                .flatMap(key -> Stream.of(PowerState.RUNNING, PowerState.PAUSED, PowerState.SUSPENDED)
                        .map(state -> Arguments.of(key, state)));
    }

    @ParameterizedTest(name = "{0} while {1}")
    @MethodSource("sizeKeysInNonHaltedStates")
    void memoryAndVcpusChangeOnlyWhileHalted(String key, PowerState state) {
        PoolFixture pool = paramPool();
        switch (state) {
            case RUNNING -> pool.startOn(VM, H1);
            case PAUSED -> pool.startPausedOn(VM, H1);
            case SUSPENDED -> pool.startOn(VM, H1).suspend(VM);
            default -> throw new IllegalStateException();
        }
        Rejection rejection = pool.reject(new Operation.VmParamSet(VM, key, "1"), ErrorCode.VM_BAD_POWER_STATE);
        assertEquals(List.of(VM.toString(), "Halted", state.xapiName()), rejection.params());
    }

    static Stream<Arguments> sizeKeysAndBiggerValues() {
        String memory = String.valueOf(64 * GIB);
        return Stream.of(
                Arguments.of("memory", memory),
                Arguments.of("memory-static-max", memory),
                Arguments.of("vcpus", "16"),
                Arguments.of("VCPUs-max", "16"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("sizeKeysAndBiggerValues")
    void memoryAndVcpusDoNotChangeUnderAPendingStart(String key, String value) {
        // The VM is still Halted, but its memory is already reserved on the target: growing it would overcommit.
        PoolFixture pool = paramPool();
        pool.beginStart(VM, Optional.of(H1));
        Rejection rejection =
                pool.reject(new Operation.VmParamSet(VM, key, value), ErrorCode.OTHER_OPERATION_IN_PROGRESS);
        assertEquals(List.of("VM", VM.toString(), "start"), rejection.params());
    }

    static Stream<Good> keysSettableWhileRunning() {
        return goodParams().filter(g -> !g.sizesTheVm());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keysSettableWhileRunning")
    void otherKeysChangeWhileRunning(Good good) {
        PoolFixture pool = paramPool();
        pool.startOn(VM, H1);
        pool.setParam(VM, good.key(), good.value());
        assertEquals(good.expected(), good.field().get(pool.vm(VM)));
        assertEquals(PowerState.RUNNING, pool.vm(VM).powerState());
    }

    @Test
    void newMemoryIsWhatPlacementChecks() {
        PoolFixture pool = PoolFixture.withHosts(4 * GIB).createVm(VM, GIB);
        pool.setParam(VM, "memory", String.valueOf(5 * GIB));
        pool.reject(new Operation.VmStart(VM, Optional.of(H1), false), ErrorCode.HOST_NOT_ENOUGH_FREE_MEMORY);
        pool.setParam(VM, "memory", String.valueOf(4 * GIB));
        assertEquals(H1, pool.start(VM));
    }
}
