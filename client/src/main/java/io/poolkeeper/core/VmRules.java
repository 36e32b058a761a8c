package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The VM lifecycle: xapi's power-state table ({@code xapi_vm_lifecycle.ml}). Agent-backed operations (start,
 * shutdown, ...) only begin here: they set the VM's current operation and reserve the target host; the host
 * agent's answer ({@link VmCompletion}) settles them.
 */
final class VmRules {
    private static final Set<PowerState> HALTED = EnumSet.of(PowerState.HALTED);
    private static final Set<PowerState> RUNNING = EnumSet.of(PowerState.RUNNING);
    private static final Set<PowerState> PAUSED = EnumSet.of(PowerState.PAUSED);
    private static final Set<PowerState> SUSPENDED = EnumSet.of(PowerState.SUSPENDED);
    private static final Set<PowerState> LIVE = EnumSet.of(PowerState.RUNNING, PowerState.PAUSED);
    private static final Set<PowerState> HARD_SHUTDOWN_FROM =
            EnumSet.of(PowerState.RUNNING, PowerState.PAUSED, PowerState.SUSPENDED);
    private static final Set<PowerState> DESTROY_FROM = EnumSet.of(PowerState.HALTED, PowerState.SUSPENDED);

    private VmRules() {}

    static Outcome create(PoolState state, Operation.VmCreate op) {
        if (state.vms().containsKey(op.vm())) {
            return Outcome.rejected(ErrorCode.UUID_ALREADY_EXISTS, "VM", op.vm());
        }
        if (op.memory() <= 0) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "memory", op.memory());
        }
        if (op.vcpus() <= 0) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "vcpus", op.vcpus());
        }
        if (op.affinity().isPresent()
                && !state.hosts().containsKey(op.affinity().get())) {
            return Refs.invalid("host", op.affinity().get());
        }
        Vm vm = new Vm(
                op.vm(),
                op.nameLabel(),
                PowerState.HALTED,
                Optional.empty(),
                Optional.empty(),
                op.affinity(),
                op.memory(),
                op.vcpus(),
                op.haRestartPriority(),
                false,
                op.order(),
                Optional.empty());
        return Outcome.done(state.withVm(vm));
    }

    static Outcome destroy(PoolState state, Operation.VmDestroy op) {
        return withIdleVm(state, op.vm(), DESTROY_FROM, vm -> {
            PoolState next = state.withoutVm(vm.uuid());
            for (var vbd : state.vbdsOf(vm.uuid()).toList()) {
                next = next.withoutVbd(vbd.uuid());
            }
            return Outcome.done(next);
        });
    }

    static Outcome start(PoolState state, Operation.VmStart op) {
        return withIdleVm(state, op.vm(), HALTED, vm -> {
            VmOperation operation = op.paused() ? VmOperation.START_PAUSED : VmOperation.START;
            return moveTo(state, vm, operation, op.on(), Optional.empty());
        });
    }

    static Outcome resume(PoolState state, Operation.VmResume op) {
        return withIdleVm(
                state, op.vm(), SUSPENDED, vm -> moveTo(state, vm, VmOperation.RESUME, op.on(), Optional.empty()));
    }

    static Outcome migrate(PoolState state, Operation.VmMigrate op) {
        return withIdleVm(state, op.vm(), RUNNING, vm -> {
            if (vm.residentOn().equals(Optional.of(op.host()))) {
                return Outcome.rejected(ErrorCode.VM_HOST_INCOMPATIBLE, vm.uuid(), op.host());
            }
            return moveTo(state, vm, VmOperation.MIGRATE, Optional.of(op.host()), vm.residentOn());
        });
    }

    static Outcome shutdown(PoolState state, Operation.VmShutdown op) {
        if (!op.force()) {
            return begin(state, op.vm(), RUNNING, VmOperation.CLEAN_SHUTDOWN);
        }
        return withIdleVm(state, op.vm(), HARD_SHUTDOWN_FROM, vm -> {
            if (vm.powerState() == PowerState.SUSPENDED) {
                // Nothing runs anywhere: dropping the suspend image is a database change only.
                return Outcome.done(state.withVm(
                        vm.settled(PowerState.HALTED, Optional.empty()).withHaAlwaysRun(false)));
            }
            return Outcome.done(state.withVm(vm.operating(VmOperation.HARD_SHUTDOWN, Optional.empty())));
        });
    }

    static Outcome reboot(PoolState state, Operation.VmReboot op) {
        return op.force()
                ? begin(state, op.vm(), LIVE, VmOperation.HARD_REBOOT)
                : begin(state, op.vm(), RUNNING, VmOperation.CLEAN_REBOOT);
    }

    static Outcome suspend(PoolState state, Operation.VmSuspend op) {
        return begin(state, op.vm(), RUNNING, VmOperation.SUSPEND);
    }

    static Outcome pause(PoolState state, Operation.VmPause op) {
        return begin(state, op.vm(), RUNNING, VmOperation.PAUSE);
    }

    static Outcome unpause(PoolState state, Operation.VmUnpause op) {
        return begin(state, op.vm(), PAUSED, VmOperation.UNPAUSE);
    }

    /**
     * {@code vm-reset-powerstate --force}: the database only, for a VM whose host is dead (seed 2.6.1). Allowed in any
     * power state and with an operation in progress, as long as no live host may still be running the VM.
     */
    static Outcome resetPowerstate(PoolState state, Operation.VmResetPowerstate op) {
        Vm vm = state.vms().get(op.vm());
        if (vm == null) {
            return Refs.invalid("VM", op.vm());
        }
        if (!op.force()) {
            return Outcome.rejected(ErrorCode.FORCE_REQUIRED, "vm-reset-powerstate", vm.uuid());
        }
        // Both hosts count: a migration's target may already be running the VM while its source is dead.
        Optional<HostId> liveHost = Stream.of(
                        vm.residentOn().filter(id -> vm.powerState().isLive()), vm.scheduledToBeResidentOn())
                .flatMap(Optional::stream)
                .filter(id -> state.hosts().get(id).live())
                .findFirst();
        if (liveHost.isPresent()) {
            return Outcome.rejected(ErrorCode.HOST_IS_LIVE, liveHost.get());
        }
        return Outcome.done(state.withVm(vm.settled(PowerState.HALTED, Optional.empty())));
    }

    /** Begins an in-place agent operation (no move): the VM keeps its host, the operation is recorded. */
    private static Outcome begin(PoolState state, VmId id, Set<PowerState> from, VmOperation op) {
        return withIdleVm(state, id, from, vm -> Outcome.done(state.withVm(vm.operating(op, Optional.empty()))));
    }

    /** Begins an operation that puts the VM on a host: placement, then a reservation there. */
    private static Outcome moveTo(
            PoolState state, Vm vm, VmOperation op, Optional<HostId> on, Optional<HostId> excluded) {
        Placement.Placed placed = Placement.place(state, vm, on, excluded);
        if (placed.refusal().isPresent()) {
            return Outcome.rejected(placed.refusal().get());
        }
        HostId host = placed.host().orElseThrow();
        return Outcome.applied(state.withVm(vm.operating(op, Optional.of(host))), new Result.Placed(host));
    }

    /** Runs {@code then} on the VM if it exists, has no operation in progress and is in one of {@code from}. */
    static Outcome withIdleVm(PoolState state, VmId id, Set<PowerState> from, Function<Vm, Outcome> then) {
        Vm vm = state.vms().get(id);
        if (vm == null) {
            return Refs.invalid("VM", id);
        }
        if (vm.currentOperation().isPresent()) {
            return Refs.busy(vm);
        }
        if (!from.contains(vm.powerState())) {
            return Refs.badPowerState(vm, expected(from));
        }
        return then.apply(vm);
    }

    private static String expected(Set<PowerState> states) {
        // EnumSet iterates in declaration order: the message is the same on every replica.
        return String.join("|", states.stream().map(PowerState::xapiName).toList());
    }
}
