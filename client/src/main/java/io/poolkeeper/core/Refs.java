package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmOperation;
import java.util.List;

/** Refusals shared by the rules of every area. */
final class Refs {
    private Refs() {}

    /** xapi's {@code HANDLE_INVALID(class, ref)}: a reference to an object that does not exist. */
    static Outcome invalid(String kind, Object id) {
        return Outcome.rejected(ErrorCode.HANDLE_INVALID, kind, id);
    }

    /**
     * {@code VM_BAD_POWER_STATE(vm, expected, actual)}, as xapi; {@code expected} is one state or several joined by
     * {@code |}. The message names both: "VM 5c1f... is Halted; the operation needs it Running".
     */
    static Outcome badPowerState(Vm vm, String expected) {
        String actual = vm.powerState().xapiName();
        return Outcome.rejected(new Rejection(
                ErrorCode.VM_BAD_POWER_STATE,
                List.of(vm.uuid().toString(), expected, actual),
                "VM " + vm.uuid() + " is " + actual + "; the operation needs it "
                        + String.join(" or ", expected.split("\\|"))));
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
