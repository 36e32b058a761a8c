package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** Host operations: the seed's failure procedures (host-forget, host-declare-dead), enable/disable, evacuate. */
final class HostRules {
    private HostRules() {}

    /**
     * {@code host-forget} as the seed describes it (2.6.1), not as later xapi refuses it: every VM resident on the
     * dead host becomes Halted ("offline") and restartable elsewhere; the host, its PBDs and its Raft peer go.
     */
    static Outcome forget(PoolState state, Operation.HostForget op) {
        Host host = state.hosts().get(op.host());
        if (host == null) {
            return Refs.invalid("host", op.host());
        }
        if (state.requirePool().haEnabled()) {
            return Outcome.rejected(ErrorCode.HA_IS_ENABLED);
        }
        if (state.isMaster(host.uuid())) {
            return Outcome.rejected(ErrorCode.HOST_IS_MASTER, host.uuid());
        }
        if (host.live()) {
            return Outcome.rejected(ErrorCode.HOST_IS_LIVE, host.uuid());
        }
        Halting halting = haltVmsOn(state, host.uuid());
        PoolState next = Membership.remove(halting.state(), host.uuid());
        return Outcome.applied(next, new Result.VmsHalted(halting.halted()));
    }

    /** {@code host-declare-dead}: like forget, but the host record stays, disabled (xapi 6.2+). */
    static Outcome declareDead(PoolState state, Operation.HostDeclareDead op) {
        Host host = state.hosts().get(op.host());
        if (host == null) {
            return Refs.invalid("host", op.host());
        }
        if (state.isMaster(host.uuid())) {
            return Outcome.rejected(ErrorCode.HOST_IS_MASTER, host.uuid());
        }
        if (host.live()) {
            return Outcome.rejected(ErrorCode.HOST_IS_LIVE, host.uuid());
        }
        Halting halting = haltVmsOn(state, host.uuid());
        return Outcome.applied(
                halting.state().withHost(host.withEnabled(false)), new Result.VmsHalted(halting.halted()));
    }

    /** HA: the host fenced itself; refused for the recorded master (a new master records itself first). */
    static Outcome fenced(PoolState state, Operation.HostFenced op) {
        Host host = state.hosts().get(op.host());
        if (host == null) {
            return Refs.invalid("host", op.host());
        }
        if (!state.requirePool().haEnabled()) {
            return Outcome.rejected(ErrorCode.HA_NOT_ENABLED);
        }
        if (state.isMaster(host.uuid())) {
            return Outcome.rejected(ErrorCode.HOST_IS_MASTER, host.uuid());
        }
        Halting halting = haltVmsOn(state, host.uuid());
        return Outcome.applied(halting.state().withHost(host.withLive(false)), new Result.VmsHalted(halting.halted()));
    }

    static Outcome setEnabled(PoolState state, HostId id, boolean enabled) {
        Host host = state.hosts().get(id);
        if (host == null) {
            return Refs.invalid("host", id);
        }
        return Outcome.done(state.withHost(host.withEnabled(enabled)));
    }

    static Outcome setLive(PoolState state, Operation.HostSetLive op) {
        Host host = state.hosts().get(op.host());
        if (host == null) {
            return Refs.invalid("host", op.host());
        }
        // A dead host's VMs stay Running in the database until an operator acts (seed 2.6.1).
        return Outcome.done(state.withHost(host.withLive(op.live())));
    }

    /**
     * Migrates every VM off a host, or none: each VM (largest first) is placed with the reservations of those
     * placed before it, and one VM without a place refuses the whole evacuation.
     */
    static Outcome evacuate(PoolState state, Operation.HostEvacuate op) {
        Host host = state.hosts().get(op.host());
        if (host == null) {
            return Refs.invalid("host", op.host());
        }
        if (!host.live()) {
            return Outcome.rejected(ErrorCode.HOST_OFFLINE, host.uuid());
        }
        List<Vm> leaving = state.residentVms(host.uuid())
                .sorted(Comparator.comparingLong((Vm vm) -> -vm.memory()).thenComparing(Vm::uuid))
                .toList();
        PoolState next = state;
        SortedMap<VmId, HostId> moves = new TreeMap<>();
        for (Vm vm : leaving) {
            if (vm.currentOperation().isPresent()) {
                return Refs.busy(vm);
            }
            if (vm.powerState() != PowerState.RUNNING) {
                return Refs.badPowerState(vm, PowerState.RUNNING.xapiName());
            }
            Optional<HostId> target = Placement.choose(next, vm, Optional.of(host.uuid()));
            if (target.isEmpty()) {
                return Outcome.rejected(ErrorCode.NO_HOSTS_AVAILABLE, vm.uuid());
            }
            next = next.withVm(vm.operating(VmOperation.MIGRATE, target));
            moves.put(vm.uuid(), target.get());
        }
        return Outcome.applied(next, new Result.Evacuation(moves));
    }

    /** The state after marking every VM on a dead host Halted, and the VMs so marked. */
    record Halting(PoolState state, List<VmId> halted) {}

    /**
     * Marks every VM Running or Paused on the host Halted, and ends every operation that was moving a VM there (those
     * VMs keep the state they had). Both as xapi's {@code force_state_reset}: the database only.
     */
    static Halting haltVmsOn(PoolState state, HostId host) {
        PoolState next = state;
        List<VmId> halted = new ArrayList<>();
        for (Vm vm : state.vms().values()) {
            boolean resident = vm.powerState().isLive() && vm.residentOn().equals(Optional.of(host));
            if (resident) {
                next = next.withVm(vm.settled(PowerState.HALTED, Optional.empty()));
                halted.add(vm.uuid());
            } else if (vm.scheduledToBeResidentOn().equals(Optional.of(host))) {
                next = next.withVm(vm.settled(vm.powerState(), vm.residentOn()));
            }
        }
        return new Halting(next, halted);
    }
}
