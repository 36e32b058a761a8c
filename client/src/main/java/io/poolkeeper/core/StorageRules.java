package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Sr;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.Vm;
import java.util.Map;
import java.util.Optional;

/**
 * Storage: SRs, their attachment to hosts (PBDs), disks (VDIs) and their attachment to VMs (VBDs). The rules keep
 * every reference valid and never detach storage from under a VM that is running on that host.
 */
final class StorageRules {
    private StorageRules() {}

    static Outcome srCreate(PoolState state, Operation.SrCreate op) {
        if (state.srs().containsKey(op.sr())) {
            return Outcome.rejected(ErrorCode.UUID_ALREADY_EXISTS, "SR", op.sr());
        }
        if (op.type().isBlank()) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "type", op.type());
        }
        if (!op.shared() && op.pbds().size() > 1) {
            return Outcome.rejected(ErrorCode.SR_NOT_SHARED, op.sr());
        }
        for (Map.Entry<HostId, PbdId> placement : op.pbds().entrySet()) {
            if (!state.hosts().containsKey(placement.getKey())) {
                return Refs.invalid("host", placement.getKey());
            }
            if (state.pbds().containsKey(placement.getValue())) {
                return Outcome.rejected(ErrorCode.UUID_ALREADY_EXISTS, "PBD", placement.getValue());
            }
        }
        if (op.pbds().values().stream().distinct().count() != op.pbds().size()) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "pbds", "a PBD uuid is used twice");
        }
        PoolState next = state.withSr(new Sr(op.sr(), op.nameLabel(), op.type(), op.shared()));
        for (Map.Entry<HostId, PbdId> placement : op.pbds().entrySet()) {
            next = next.withPbd(new Pbd(placement.getValue(), op.sr(), placement.getKey(), op.deviceConfig(), true));
        }
        return Outcome.done(next);
    }

    /** {@code sr-forget}: every PBD must be unplugged first; the SR's PBDs, VDIs and their VBDs go with it. */
    static Outcome srForget(PoolState state, Operation.SrForget op) {
        Sr sr = state.srs().get(op.sr());
        if (sr == null) {
            return Refs.invalid("SR", op.sr());
        }
        Optional<Pbd> attached = state.pbds().values().stream()
                .filter(pbd -> pbd.sr().equals(sr.uuid()) && pbd.currentlyAttached())
                .findFirst();
        if (attached.isPresent()) {
            return Outcome.rejected(
                    ErrorCode.SR_HAS_PBD, sr.uuid(), attached.get().uuid());
        }
        Optional<Vm> user = state.vbds().values().stream()
                .filter(vbd -> sr.uuid().equals(state.vdis().get(vbd.vdi()).sr()))
                .map(vbd -> state.vms().get(vbd.vm()))
                .filter(vm -> vm.powerState() != PowerState.HALTED
                        || vm.currentOperation().isPresent())
                .findFirst();
        if (user.isPresent()) {
            return Outcome.rejected(ErrorCode.VDI_IN_USE, sr.uuid(), user.get().uuid());
        }
        PoolState next = state.withoutSr(sr.uuid());
        for (Pbd pbd : state.pbds().values()) {
            if (pbd.sr().equals(sr.uuid())) {
                next = next.withoutPbd(pbd.uuid());
            }
        }
        for (Vdi vdi : state.vdis().values()) {
            if (vdi.sr().equals(sr.uuid())) {
                next = withoutVdiAndVbds(next, vdi);
            }
        }
        if (state.requirePool().defaultSr().equals(Optional.of(sr.uuid()))) {
            next = next.withPool(next.requirePool().withDefaultSr(Optional.empty()));
        }
        return Outcome.done(next);
    }

    static Outcome pbdCreate(PoolState state, Operation.PbdCreate op) {
        if (state.pbds().containsKey(op.pbd())) {
            return Outcome.rejected(ErrorCode.UUID_ALREADY_EXISTS, "PBD", op.pbd());
        }
        Sr sr = state.srs().get(op.sr());
        if (sr == null) {
            return Refs.invalid("SR", op.sr());
        }
        if (!state.hosts().containsKey(op.host())) {
            return Refs.invalid("host", op.host());
        }
        for (Pbd pbd : state.pbds().values()) {
            if (pbd.sr().equals(sr.uuid()) && pbd.host().equals(op.host())) {
                return Outcome.rejected(ErrorCode.PBD_EXISTS, sr.uuid(), op.host());
            }
            if (pbd.sr().equals(sr.uuid()) && !sr.shared()) {
                return Outcome.rejected(ErrorCode.SR_NOT_SHARED, sr.uuid());
            }
        }
        return Outcome.done(state.withPbd(new Pbd(op.pbd(), sr.uuid(), op.host(), op.deviceConfig(), false)));
    }

    static Outcome pbdPlug(PoolState state, Operation.PbdPlug op) {
        Pbd pbd = state.pbds().get(op.pbd());
        if (pbd == null) {
            return Refs.invalid("PBD", op.pbd());
        }
        return Outcome.done(state.withPbd(pbd.withCurrentlyAttached(true)));
    }

    /** Refused while a VM running (or arriving) on that host has a disk on the SR. */
    static Outcome pbdUnplug(PoolState state, Operation.PbdUnplug op) {
        Pbd pbd = state.pbds().get(op.pbd());
        if (pbd == null) {
            return Refs.invalid("PBD", op.pbd());
        }
        Optional<Vm> user = state.vmsUsing(pbd.host())
                .filter(vm -> state.srsOf(vm.uuid()).contains(pbd.sr()))
                .findFirst();
        if (user.isPresent()) {
            return Outcome.rejected(ErrorCode.VDI_IN_USE, pbd.sr(), user.get().uuid());
        }
        return Outcome.done(state.withPbd(pbd.withCurrentlyAttached(false)));
    }

    static Outcome vdiCreate(PoolState state, Operation.VdiCreate op) {
        if (state.vdis().containsKey(op.vdi())) {
            return Outcome.rejected(ErrorCode.UUID_ALREADY_EXISTS, "VDI", op.vdi());
        }
        if (!state.srs().containsKey(op.sr())) {
            return Refs.invalid("SR", op.sr());
        }
        if (op.virtualSize() < 0) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "virtual-size", op.virtualSize());
        }
        return Outcome.done(state.withVdi(new Vdi(op.vdi(), op.sr(), op.nameLabel(), op.virtualSize())));
    }

    /** Refused while a VM that is not Halted uses the disk; the VBDs of halted VMs go with it. */
    static Outcome vdiDestroy(PoolState state, Operation.VdiDestroy op) {
        Vdi vdi = state.vdis().get(op.vdi());
        if (vdi == null) {
            return Refs.invalid("VDI", op.vdi());
        }
        Optional<Vm> user = state.vbds().values().stream()
                .filter(vbd -> vbd.vdi().equals(vdi.uuid()))
                .map(vbd -> state.vms().get(vbd.vm()))
                .filter(vm -> vm.powerState() != PowerState.HALTED
                        || vm.currentOperation().isPresent())
                .findFirst();
        if (user.isPresent()) {
            return Outcome.rejected(ErrorCode.VDI_IN_USE, vdi.uuid(), user.get().uuid());
        }
        return Outcome.done(withoutVdiAndVbds(state, vdi));
    }

    static Outcome vbdCreate(PoolState state, Operation.VbdCreate op) {
        if (state.vbds().containsKey(op.vbd())) {
            return Outcome.rejected(ErrorCode.UUID_ALREADY_EXISTS, "VBD", op.vbd());
        }
        Vm vm = state.vms().get(op.vm());
        if (vm == null) {
            return Refs.invalid("VM", op.vm());
        }
        if (!state.vdis().containsKey(op.vdi())) {
            return Refs.invalid("VDI", op.vdi());
        }
        if (op.device().isBlank()) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "device", op.device());
        }
        if (state.vbdsOf(vm.uuid()).anyMatch(vbd -> vbd.device().equals(op.device()))) {
            return Outcome.rejected(ErrorCode.DEVICE_ALREADY_EXISTS, vm.uuid(), op.device());
        }
        // Disks are attached to halted VMs only, so a running VM's storage needs never change under placement.
        Optional<Outcome> notIdle = checkHaltedAndIdle(vm);
        if (notIdle.isPresent()) {
            return notIdle.get();
        }
        return Outcome.done(state.withVbd(new Vbd(op.vbd(), vm.uuid(), op.vdi(), op.device())));
    }

    static Outcome vbdDestroy(PoolState state, Operation.VbdDestroy op) {
        Vbd vbd = state.vbds().get(op.vbd());
        if (vbd == null) {
            return Refs.invalid("VBD", op.vbd());
        }
        Optional<Outcome> notIdle = checkHaltedAndIdle(state.vms().get(vbd.vm()));
        if (notIdle.isPresent()) {
            return notIdle.get();
        }
        return Outcome.done(state.withoutVbd(vbd.uuid()));
    }

    /** A VM's disks change only while it is Halted with no operation (a start in progress is already using them). */
    private static Optional<Outcome> checkHaltedAndIdle(Vm vm) {
        if (vm.currentOperation().isPresent()) {
            return Optional.of(Refs.busy(vm));
        }
        if (vm.powerState() != PowerState.HALTED) {
            return Optional.of(Refs.badPowerState(vm, PowerState.HALTED.xapiName()));
        }
        return Optional.empty();
    }

    private static PoolState withoutVdiAndVbds(PoolState state, Vdi vdi) {
        PoolState next = state.withoutVdi(vdi.uuid());
        for (Vbd vbd : state.vbds().values()) {
            if (vbd.vdi().equals(vdi.uuid())) {
                next = next.withoutVbd(vbd.uuid());
            }
        }
        return next;
    }
}
