package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import java.util.Optional;

/**
 * The second step of an agent-backed VM operation. On success the VM takes the operation's resulting state; on
 * failure it stays as it was (a failed start leaves it Halted). Either way the operation and any reservation end.
 */
final class VmCompletion {
    private VmCompletion() {}

    static Outcome complete(PoolState state, Operation.VmCompleteOperation op) {
        Vm vm = state.vms().get(op.vm());
        if (vm == null) {
            return Refs.invalid("VM", op.vm());
        }
        if (!vm.currentOperation().equals(Optional.of(op.operation()))) {
            return Outcome.rejected(
                    ErrorCode.OPERATION_NOT_IN_PROGRESS,
                    vm.uuid(),
                    op.operation().xapiName());
        }
        if (!op.succeeded()) {
            return Outcome.done(state.withVm(vm.settled(vm.powerState(), vm.residentOn())));
        }
        return Outcome.done(state.withVm(succeeded(vm)));
    }

    private static Vm succeeded(Vm vm) {
        return switch (vm.currentOperation().orElseThrow()) {
            case START, RESUME -> running(vm.settled(PowerState.RUNNING, vm.scheduledToBeResidentOn()));
            case START_PAUSED -> running(vm.settled(PowerState.PAUSED, vm.scheduledToBeResidentOn()));
            case CLEAN_SHUTDOWN, HARD_SHUTDOWN -> vm.settled(PowerState.HALTED, Optional.empty())
                    .withHaAlwaysRun(false);
            case SUSPEND -> vm.settled(PowerState.SUSPENDED, Optional.empty()).withHaAlwaysRun(false);
            case CLEAN_REBOOT, HARD_REBOOT, UNPAUSE -> vm.settled(PowerState.RUNNING, vm.residentOn());
            case PAUSE -> vm.settled(PowerState.PAUSED, vm.residentOn());
            case MIGRATE -> vm.settled(vm.powerState(), vm.scheduledToBeResidentOn());
        };
    }

    /** xapi sets {@code ha_always_run} when a protected VM starts: HA must keep it running from now on. */
    private static Vm running(Vm vm) {
        return vm.haRestartPriority() == HaRestartPriority.RESTART ? vm.withHaAlwaysRun(true) : vm;
    }
}
