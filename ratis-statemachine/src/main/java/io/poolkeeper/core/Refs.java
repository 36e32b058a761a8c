package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmOperation;

/** Refusals shared by the rules of every area. */
final class Refs {
    private Refs() {}

    /** xapi's {@code HANDLE_INVALID(class, ref)}: a reference to an object that does not exist. */
    static Outcome invalid(String kind, Object id) {
        return Outcome.rejected(ErrorCode.HANDLE_INVALID, kind, id);
    }

    /** {@code VM_BAD_POWER_STATE(vm, expected, actual)}. */
    static Outcome badPowerState(Vm vm, String expected) {
        return Outcome.rejected(
                ErrorCode.VM_BAD_POWER_STATE,
                vm.uuid(),
                expected,
                vm.powerState().xapiName());
    }

    /** {@code OTHER_OPERATION_IN_PROGRESS(VM, vm, operation)}. */
    static Outcome busy(Vm vm) {
        return Outcome.rejected(
                ErrorCode.OTHER_OPERATION_IN_PROGRESS,
                "VM",
                vm.uuid(),
                vm.currentOperation().map(VmOperation::xapiName).orElse(""));
    }
}
