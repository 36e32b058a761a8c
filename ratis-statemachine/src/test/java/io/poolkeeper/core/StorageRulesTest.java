package io.poolkeeper.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.Sr;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Storage operations through {@link Transition#apply}: SRs, PBDs, VDIs and VBDs, every refusal code of each. */
@Timeout(30)
class StorageRulesTest {
    private static final long GIB = PoolFixture.GIB;
    private static final PoolId POOL = PoolFixture.POOL;
    private static final HostId MASTER = host(1);
    private static final HostId A = host(2);
    private static final HostId B = host(3);
    private static final HostId UNKNOWN = host(99);

    /** Shared, plugged on the master and A. */
    private static final SrId SHARED = new SrId(new UUID(1, 0x5));
    /** Local to B. */
    private static final SrId LOCAL = new SrId(new UUID(2, 0x5));

    private static final SrId NEW_SR = new SrId(new UUID(3, 0x5));
    private static final PbdId PBD_MASTER = pbd(1);
    private static final PbdId PBD_A = pbd(2);
    private static final PbdId PBD_LOCAL = pbd(3);
    private static final VdiId DISK = vdi(1);
    private static final VdiId DISK2 = vdi(2);
    private static final VdiId LOCAL_DISK = vdi(3);
    private static final VmId VM = vm(1);
    private static final VmId VM2 = vm(2);
    private static final SortedMap<String, String> CONFIG = new TreeMap<>(Map.of("server", "nfs1", "path", "/x"));

    // ---------------------------------------------------------------- sr-create

    @Test
    void srCreateRecordsTheSrAndPlugsItsPbds() {
        PoolFixture s = storagePool();
        assertEquals(Result.DONE, s.apply(srCreate(NEW_SR, "nfs", true, Map.of(MASTER, pbd(10), B, pbd(11)))));
        assertEquals(new Sr(NEW_SR, "sr" + NEW_SR, "nfs", true), s.state().srs().get(NEW_SR));
        assertEquals(
                new Pbd(pbd(10), NEW_SR, MASTER, CONFIG, true), s.state().pbds().get(pbd(10)));
        assertEquals(new Pbd(pbd(11), NEW_SR, B, CONFIG, true), s.state().pbds().get(pbd(11)));
        assertEquals(true, s.state().isAttached(NEW_SR, B));
        assertEquals(false, s.state().isAttached(NEW_SR, A));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void aNonSharedSrMayHaveOnePbdAtMost(int pbds) {
        PoolFixture s = storagePool();
        Map<HostId, PbdId> placement = pbds == 0 ? Map.of() : Map.of(A, pbd(10));
        s.apply(srCreate(NEW_SR, "lvm", false, placement));
        assertEquals(
                pbds,
                s.state().pbds().values().stream()
                        .filter(p -> p.sr().equals(NEW_SR))
                        .count());
    }

    static Stream<Arguments> srCreateRefusals() {
        return Stream.of(
                Arguments.of(
                        "an SR uuid in use",
                        srCreate(SHARED, "nfs", true, Map.of()),
                        ErrorCode.UUID_ALREADY_EXISTS,
                        List.of("SR", SHARED.toString())),
                Arguments.of(
                        "a PBD uuid in use",
                        srCreate(NEW_SR, "nfs", true, Map.of(B, PBD_A)),
                        ErrorCode.UUID_ALREADY_EXISTS,
                        List.of("PBD", PBD_A.toString())),
                Arguments.of(
                        "an empty type",
                        srCreate(NEW_SR, "", true, Map.of()),
                        ErrorCode.INVALID_VALUE,
                        List.of("type", "")),
                Arguments.of(
                        "a blank type",
                        srCreate(NEW_SR, "  ", true, Map.of()),
                        ErrorCode.INVALID_VALUE,
                        List.of("type", "  ")),
                Arguments.of(
                        "a non-shared SR on two hosts",
                        srCreate(NEW_SR, "lvm", false, Map.of(A, pbd(10), B, pbd(11))),
                        ErrorCode.SR_NOT_SHARED,
                        List.of(NEW_SR.toString())),
                Arguments.of(
                        "an unknown host",
                        srCreate(NEW_SR, "nfs", true, Map.of(A, pbd(10), UNKNOWN, pbd(11))),
                        ErrorCode.HANDLE_INVALID,
                        List.of("host", UNKNOWN.toString())),
                Arguments.of(
                        "one new PBD uuid for two hosts",
                        srCreate(NEW_SR, "nfs", true, Map.of(A, pbd(10), B, pbd(10))),
                        ErrorCode.INVALID_VALUE,
                        List.of("pbds", "a PBD uuid is used twice")));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("srCreateRefusals")
    void srCreateRefusals(String name, Operation op, ErrorCode code, List<String> params) {
        Rejection r = storagePool().reject(op, code);
        assertEquals(params, r.params());
    }

    // ---------------------------------------------------------------- sr-forget

    @Test
    void srForgetRefusesAnUnknownSr() {
        Rejection r = storagePool().reject(new Operation.SrForget(NEW_SR), ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("SR", NEW_SR.toString()), r.params());
    }

    @Test
    void srForgetIsRefusedWhilePlugged() {
        PoolFixture s = storagePool();
        Rejection r = s.reject(new Operation.SrForget(SHARED), ErrorCode.SR_HAS_PBD);
        assertEquals(List.of(SHARED.toString(), PBD_MASTER.toString()), r.params());
        s.apply(new Operation.PbdUnplug(PBD_MASTER));
        r = s.reject(new Operation.SrForget(SHARED), ErrorCode.SR_HAS_PBD);
        assertEquals(List.of(SHARED.toString(), PBD_A.toString()), r.params());
        s.apply(new Operation.PbdUnplug(PBD_A));
        s.apply(new Operation.SrForget(SHARED));
    }

    @Test
    void srForgetIsRefusedWhileASuspendedVmHasADiskOnIt() {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        s.startOn(VM, A);
        s.apply(new Operation.VmSuspend(VM));
        s.apply(new Operation.VmCompleteOperation(VM, VmOperation.SUSPEND, true));
        s.apply(new Operation.PbdUnplug(PBD_MASTER));
        s.apply(new Operation.PbdUnplug(PBD_A));

        Rejection r = s.reject(new Operation.SrForget(SHARED), ErrorCode.VDI_IN_USE);
        assertEquals(List.of(SHARED.toString(), VM.toString()), r.params());

        s.apply(new Operation.VmShutdown(VM, true)); // drops the suspend image: Halted at once
        s.apply(new Operation.SrForget(SHARED));
    }

    @Test
    void srForgetTakesItsPbdsVdisAndVbdsWithIt() {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.createVm(VM2, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        s.apply(new Operation.VbdCreate(vbd(2), VM, LOCAL_DISK, "xvdb"));
        s.apply(new Operation.VbdCreate(vbd(3), VM2, DISK2, "xvda"));
        s.apply(new Operation.PbdUnplug(PBD_MASTER));
        s.apply(new Operation.PbdUnplug(PBD_A));
        PoolState before = s.state();

        assertEquals(Result.DONE, s.apply(new Operation.SrForget(SHARED)));

        assertEquals(List.of(LOCAL), List.copyOf(s.state().srs().keySet()));
        assertEquals(List.of(PBD_LOCAL), List.copyOf(s.state().pbds().keySet()));
        assertEquals(List.of(LOCAL_DISK), List.copyOf(s.state().vdis().keySet()));
        assertEquals(List.of(vbd(2)), List.copyOf(s.state().vbds().keySet()));
        assertEquals(before.vms(), s.state().vms(), "VMs lose disks, not themselves");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void srForgetClearsTheDefaultSrOnlyIfItWasThatSr(boolean forgetTheDefault) {
        PoolFixture s = storagePool();
        s.apply(srCreate(NEW_SR, "nfs", true, Map.of()));
        s.apply(new Operation.PoolParamSet("default-SR", (forgetTheDefault ? NEW_SR : SHARED).toString()));
        s.apply(new Operation.SrForget(NEW_SR));
        assertEquals(
                forgetTheDefault ? Optional.empty() : Optional.of(SHARED),
                s.state().requirePool().defaultSr());
    }

    // ---------------------------------------------------------------- pbd-create

    @Test
    void pbdCreateAddsAnUnpluggedPbd() {
        PoolFixture s = storagePool();
        assertEquals(Result.DONE, s.apply(new Operation.PbdCreate(pbd(10), SHARED, B, CONFIG)));
        assertEquals(
                new Pbd(pbd(10), SHARED, B, CONFIG, false), s.state().pbds().get(pbd(10)));
        assertEquals(false, s.state().isAttached(SHARED, B));
    }

    @Test
    void pbdCreateGivesANonSharedSrWithoutPbdItsOne() {
        PoolFixture s = storagePool();
        s.apply(srCreate(NEW_SR, "lvm", false, Map.of()));
        s.apply(new Operation.PbdCreate(pbd(10), NEW_SR, A, CONFIG));
        Rejection r = s.reject(new Operation.PbdCreate(pbd(11), NEW_SR, B, CONFIG), ErrorCode.SR_NOT_SHARED);
        assertEquals(List.of(NEW_SR.toString()), r.params());
    }

    static Stream<Arguments> pbdCreateRefusals() {
        return Stream.of(
                Arguments.of(
                        "a PBD uuid in use",
                        new Operation.PbdCreate(PBD_A, SHARED, B, CONFIG),
                        ErrorCode.UUID_ALREADY_EXISTS,
                        List.of("PBD", PBD_A.toString())),
                Arguments.of(
                        "an unknown SR",
                        new Operation.PbdCreate(pbd(10), NEW_SR, B, CONFIG),
                        ErrorCode.HANDLE_INVALID,
                        List.of("SR", NEW_SR.toString())),
                Arguments.of(
                        "an unknown host",
                        new Operation.PbdCreate(pbd(10), SHARED, UNKNOWN, CONFIG),
                        ErrorCode.HANDLE_INVALID,
                        List.of("host", UNKNOWN.toString())),
                Arguments.of(
                        "a second PBD for the same SR and host",
                        new Operation.PbdCreate(pbd(10), SHARED, A, CONFIG),
                        ErrorCode.PBD_EXISTS,
                        List.of(SHARED.toString(), A.toString())),
                Arguments.of(
                        "a second PBD of a non-shared SR",
                        new Operation.PbdCreate(pbd(10), LOCAL, A, CONFIG),
                        ErrorCode.SR_NOT_SHARED,
                        List.of(LOCAL.toString())));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("pbdCreateRefusals")
    void pbdCreateRefusals(String name, Operation op, ErrorCode code, List<String> params) {
        Rejection r = storagePool().reject(op, code);
        assertEquals(params, r.params());
    }

    // ---------------------------------------------------------------- pbd-plug / pbd-unplug

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void plugAndUnplugRefuseAnUnknownPbd(boolean plug) {
        Operation op = plug ? new Operation.PbdPlug(pbd(10)) : new Operation.PbdUnplug(pbd(10));
        Rejection r = storagePool().reject(op, ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("PBD", pbd(10).toString()), r.params());
    }

    @Test
    void pluggingAnSrOnAHostLetsItsVmsStartThere() {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        Rejection r = s.reject(new Operation.VmStart(VM, Optional.of(B), false), ErrorCode.VM_REQUIRES_SR);
        assertEquals(List.of(VM.toString(), SHARED.toString()), r.params());

        s.apply(new Operation.PbdCreate(pbd(10), SHARED, B, CONFIG));
        s.reject(new Operation.VmStart(VM, Optional.of(B), false), ErrorCode.VM_REQUIRES_SR);
        s.apply(new Operation.PbdPlug(pbd(10)));
        assertEquals(true, s.state().pbds().get(pbd(10)).currentlyAttached());
        s.startOn(VM, B);
    }

    static Stream<Arguments> vmsUsingSharedOnA() {
        return Stream.of(
                Arguments.of("running there", (Consumer<PoolFixture>) s -> s.startOn(VM, A)),
                Arguments.of("paused there", (Consumer<PoolFixture>) s -> {
                    s.startOn(VM, A);
                    s.apply(new Operation.VmPause(VM));
                    s.apply(new Operation.VmCompleteOperation(VM, VmOperation.PAUSE, true));
                }),
                Arguments.of("starting there", (Consumer<PoolFixture>)
                        s -> s.apply(new Operation.VmStart(VM, Optional.of(A), false))),
                Arguments.of("migrating there", (Consumer<PoolFixture>) s -> {
                    s.startOn(VM, MASTER);
                    s.apply(new Operation.VmMigrate(VM, A));
                }));
    }

    @ParameterizedTest(name = "a VM {0}")
    @MethodSource("vmsUsingSharedOnA")
    void unplugIsRefusedWhileAVmOnThatHostUsesTheSr(String name, Consumer<PoolFixture> setup) {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        setup.accept(s);
        Rejection r = s.reject(new Operation.PbdUnplug(PBD_A), ErrorCode.VDI_IN_USE);
        assertEquals(List.of(SHARED.toString(), VM.toString()), r.params());
    }

    @Test
    void unplugIsAllowedWhenTheVmRunsOnAnotherHost() {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        s.startOn(VM, MASTER);
        s.createVm(VM2, GIB);
        s.apply(new Operation.VbdCreate(vbd(2), VM2, LOCAL_DISK, "xvda"));
        s.startOn(VM2, B);

        assertEquals(Result.DONE, s.apply(new Operation.PbdUnplug(PBD_A)));

        assertEquals(false, s.state().pbds().get(PBD_A).currentlyAttached());
        assertEquals(true, s.state().isAttached(SHARED, MASTER));
        Rejection r = s.reject(new Operation.VmMigrate(VM, A), ErrorCode.VM_REQUIRES_SR);
        assertEquals(List.of(VM.toString(), SHARED.toString()), r.params());
    }

    @Test
    void unplugIsAllowedWhileTheVmIsHaltedOrSuspended() {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.createVm(VM2, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        s.apply(new Operation.VbdCreate(vbd(2), VM2, DISK2, "xvda"));
        s.startOn(VM2, A);
        s.apply(new Operation.VmSuspend(VM2));
        s.apply(new Operation.VmCompleteOperation(VM2, VmOperation.SUSPEND, true));
        s.apply(new Operation.PbdUnplug(PBD_A));
        s.apply(new Operation.PbdPlug(PBD_A));
        assertEquals(true, s.state().isAttached(SHARED, A));
    }

    // ---------------------------------------------------------------- vdi-create / vdi-destroy

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 40L << 30})
    void vdiCreateRecordsTheDisk(long size) {
        PoolFixture s = storagePool();
        assertEquals(Result.DONE, s.apply(new Operation.VdiCreate(vdi(10), LOCAL, "data", size)));
        assertEquals(new Vdi(vdi(10), LOCAL, "data", size), s.state().vdis().get(vdi(10)));
    }

    static Stream<Arguments> vdiCreateRefusals() {
        return Stream.of(
                Arguments.of(
                        "a VDI uuid in use",
                        new Operation.VdiCreate(DISK, LOCAL, "d", GIB),
                        ErrorCode.UUID_ALREADY_EXISTS,
                        List.of("VDI", DISK.toString())),
                Arguments.of(
                        "an unknown SR",
                        new Operation.VdiCreate(vdi(10), NEW_SR, "d", GIB),
                        ErrorCode.HANDLE_INVALID,
                        List.of("SR", NEW_SR.toString())),
                Arguments.of(
                        "a negative size",
                        new Operation.VdiCreate(vdi(10), SHARED, "d", -1),
                        ErrorCode.INVALID_VALUE,
                        List.of("virtual-size", "-1")));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("vdiCreateRefusals")
    void vdiCreateRefusals(String name, Operation op, ErrorCode code, List<String> params) {
        Rejection r = storagePool().reject(op, code);
        assertEquals(params, r.params());
    }

    @Test
    void vdiDestroyRefusesAnUnknownVdi() {
        Rejection r = storagePool().reject(new Operation.VdiDestroy(vdi(10)), ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("VDI", vdi(10).toString()), r.params());
    }

    /** A VM with a disk (VBD 1 on DISK) that is not Halted and idle, and how a change of its disks is refused. */
    static Stream<Arguments> vmsNotHalted() {
        String vm = VM.toString();
        return Stream.of(
                Arguments.of(
                        "running",
                        (Consumer<PoolFixture>) s -> s.startOn(VM, A),
                        ErrorCode.VM_BAD_POWER_STATE,
                        List.of(vm, "Halted", "Running")),
                Arguments.of(
                        "paused",
                        (Consumer<PoolFixture>) s -> {
                            s.startOn(VM, A);
                            s.apply(new Operation.VmPause(VM));
                            s.apply(new Operation.VmCompleteOperation(VM, VmOperation.PAUSE, true));
                        },
                        ErrorCode.VM_BAD_POWER_STATE,
                        List.of(vm, "Halted", "Paused")),
                Arguments.of(
                        "suspended",
                        (Consumer<PoolFixture>) s -> {
                            s.startOn(VM, A);
                            s.apply(new Operation.VmSuspend(VM));
                            s.apply(new Operation.VmCompleteOperation(VM, VmOperation.SUSPEND, true));
                        },
                        ErrorCode.VM_BAD_POWER_STATE,
                        List.of(vm, "Halted", "Suspended")),
                Arguments.of(
                        "halted but starting",
                        (Consumer<PoolFixture>) s -> s.apply(new Operation.VmStart(VM, Optional.of(A), false)),
                        ErrorCode.OTHER_OPERATION_IN_PROGRESS,
                        List.of("VM", vm, "start")),
                Arguments.of(
                        "running and rebooting",
                        (Consumer<PoolFixture>) s -> {
                            s.startOn(VM, A);
                            s.apply(new Operation.VmReboot(VM, false));
                        },
                        ErrorCode.OTHER_OPERATION_IN_PROGRESS,
                        List.of("VM", vm, "clean_reboot")));
    }

    @ParameterizedTest(name = "a {0} VM")
    @MethodSource("vmsNotHalted")
    void vdiDestroyIsRefusedWhileAVmThatIsNotHaltedUsesIt(
            String name, Consumer<PoolFixture> setup, ErrorCode vbdCode, List<String> vbdParams) {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        setup.accept(s);
        Rejection r = s.reject(new Operation.VdiDestroy(DISK), ErrorCode.VDI_IN_USE);
        assertEquals(List.of(DISK.toString(), VM.toString()), r.params());
    }

    @Test
    void vdiDestroyTakesTheVbdsOfHaltedVmsWithIt() {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.createVm(VM2, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        s.apply(new Operation.VbdCreate(vbd(2), VM2, DISK, "xvdb"));
        s.apply(new Operation.VbdCreate(vbd(3), VM, DISK2, "xvdb"));

        assertEquals(Result.DONE, s.apply(new Operation.VdiDestroy(DISK)));

        assertEquals(List.of(DISK2, LOCAL_DISK), List.copyOf(s.state().vdis().keySet()));
        assertEquals(List.of(vbd(3)), List.copyOf(s.state().vbds().keySet()));
    }

    // ---------------------------------------------------------------- vbd-create / vbd-destroy

    @Test
    void vbdCreateAttachesTheDiskToTheHaltedVm() {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        assertEquals(Result.DONE, s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda")));
        assertEquals(new Vbd(vbd(1), VM, DISK, "xvda"), s.state().vbds().get(vbd(1)));
        assertEquals(List.of(SHARED), List.copyOf(s.state().srsOf(VM)));
    }

    static Stream<Arguments> vbdCreateRefusals() {
        return Stream.of(
                Arguments.of(
                        "a VBD uuid in use",
                        new Operation.VbdCreate(vbd(1), VM, DISK2, "xvdb"),
                        ErrorCode.UUID_ALREADY_EXISTS,
                        List.of("VBD", vbd(1).toString())),
                Arguments.of(
                        "an unknown VM",
                        new Operation.VbdCreate(vbd(10), vm(9), DISK2, "xvdb"),
                        ErrorCode.HANDLE_INVALID,
                        List.of("VM", vm(9).toString())),
                Arguments.of(
                        "an unknown VDI",
                        new Operation.VbdCreate(vbd(10), VM, vdi(9), "xvdb"),
                        ErrorCode.HANDLE_INVALID,
                        List.of("VDI", vdi(9).toString())),
                Arguments.of(
                        "an empty device",
                        new Operation.VbdCreate(vbd(10), VM, DISK2, ""),
                        ErrorCode.INVALID_VALUE,
                        List.of("device", "")),
                Arguments.of(
                        "a blank device",
                        new Operation.VbdCreate(vbd(10), VM, DISK2, " "),
                        ErrorCode.INVALID_VALUE,
                        List.of("device", " ")),
                Arguments.of(
                        "a device the VM already has",
                        new Operation.VbdCreate(vbd(10), VM, DISK2, "xvda"),
                        ErrorCode.DEVICE_ALREADY_EXISTS,
                        List.of(VM.toString(), "xvda")));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("vbdCreateRefusals")
    void vbdCreateRefusals(String name, Operation op, ErrorCode code, List<String> params) {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        Rejection r = s.reject(op, code);
        assertEquals(params, r.params());
    }

    @Test
    void anotherVmMayUseTheSameDeviceName() {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.createVm(VM2, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        s.apply(new Operation.VbdCreate(vbd(2), VM2, DISK2, "xvda"));
        assertEquals(2, s.state().vbds().size());
    }

    @ParameterizedTest(name = "a {0} VM")
    @MethodSource("vmsNotHalted")
    void vbdCreateAndDestroyNeedAHaltedIdleVm(
            String name, Consumer<PoolFixture> setup, ErrorCode code, List<String> params) {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        setup.accept(s);
        Rejection r = s.reject(new Operation.VbdCreate(vbd(2), VM, DISK2, "xvdb"), code);
        assertEquals(params, r.params());
        r = s.reject(new Operation.VbdDestroy(vbd(1)), code);
        assertEquals(params, r.params());
    }

    @Test
    void vbdDestroyRefusesAnUnknownVbd() {
        Rejection r = storagePool().reject(new Operation.VbdDestroy(vbd(10)), ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("VBD", vbd(10).toString()), r.params());
    }

    @Test
    void vbdDestroyDetachesTheDiskOnly() {
        PoolFixture s = storagePool();
        s.createVm(VM, GIB);
        s.apply(new Operation.VbdCreate(vbd(1), VM, DISK, "xvda"));
        PoolState before = s.state();
        assertEquals(Result.DONE, s.apply(new Operation.VbdDestroy(vbd(1))));
        assertEquals(before.vbds().minus(vbd(1)), s.state().vbds());
        assertEquals(before.vdis(), s.state().vdis());
        assertEquals(before.vms(), s.state().vms());
        // Without the disk, the VM no longer needs the SR: it may start on B.
        s.startOn(VM, B);
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Master, A and B (8 GiB each); SHARED plugged on the master and A with DISK and DISK2; LOCAL plugged on B with
     * LOCAL_DISK.
     */
    private static PoolFixture storagePool() {
        PoolFixture s = PoolFixture.empty();
        s.apply(new Operation.PoolCreate(POOL, "lab", spec(MASTER), 0));
        s.apply(TestJoinTokens.join(spec(A)));
        s.apply(TestJoinTokens.join(spec(B)));
        s.apply(srCreate(SHARED, "nfs", true, Map.of(MASTER, PBD_MASTER, A, PBD_A)));
        s.apply(srCreate(LOCAL, "lvm", false, Map.of(B, PBD_LOCAL)));
        s.apply(new Operation.VdiCreate(DISK, SHARED, "disk", 10 * GIB));
        s.apply(new Operation.VdiCreate(DISK2, SHARED, "disk2", 10 * GIB));
        s.apply(new Operation.VdiCreate(LOCAL_DISK, LOCAL, "local", 10 * GIB));
        return s;
    }

    private static Operation.SrCreate srCreate(SrId sr, String type, boolean shared, Map<HostId, PbdId> pbds) {
        return new Operation.SrCreate(sr, "sr" + sr, type, shared, CONFIG, new TreeMap<>(pbds));
    }

    private static Operation.HostSpec spec(HostId id) {
        return PoolFixture.spec(id, 8 * GIB, false);
    }

    private static HostId host(int n) {
        return new HostId(new UUID(n, 0x40));
    }

    private static VmId vm(int n) {
        return new VmId(new UUID(n, 0xf0));
    }

    private static PbdId pbd(int n) {
        return new PbdId(new UUID(n, 0xd));
    }

    private static VdiId vdi(int n) {
        return new VdiId(new UUID(n, 0xd1));
    }

    private static VbdId vbd(int n) {
        return new VbdId(new UUID(n, 0xb0));
    }
}
