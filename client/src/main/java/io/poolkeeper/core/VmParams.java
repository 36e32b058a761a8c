package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import java.util.Optional;

/**
 * {@code vm-param-set}: the user-settable VM fields, xe's spelling. Memory and vCPUs change only while Halted
 * (xapi's {@code changing_*} rule), so a running VM's reservation never changes under it.
 */
final class VmParams {
    private VmParams() {}

    static Outcome set(PoolState state, Operation.VmParamSet op) {
        Vm vm = state.vms().get(op.vm());
        if (vm == null) {
            return Refs.invalid("VM", op.vm());
        }
        String value = op.value();
        String name = vm.nameLabel();
        Optional<HostId> affinity = vm.affinity();
        long memory = vm.memory();
        int vcpus = vm.vcpus();
        HaRestartPriority priority = vm.haRestartPriority();
        boolean alwaysRun = vm.haAlwaysRun();
        long order = vm.order();
        switch (op.key()) {
            case "name-label" -> name = value;
            case "affinity" -> {
                if (!value.isEmpty()) {
                    Optional<HostId> host = Parse.uuid(value).map(HostId::new);
                    if (host.isEmpty()) {
                        return Outcome.rejected(ErrorCode.INVALID_VALUE, op.key(), value);
                    }
                    if (!state.hosts().containsKey(host.get())) {
                        return Refs.invalid("host", value);
                    }
                    affinity = host;
                } else {
                    affinity = Optional.empty();
                }
            }
            case "memory", "memory-static-max" -> {
                Optional<Long> bytes = Parse.positiveLong(value).filter(n -> n <= InputLimits.BYTES);
                if (bytes.isEmpty()) {
                    return Outcome.rejected(ErrorCode.INVALID_VALUE, op.key(), value);
                }
                Optional<Outcome> refusal = sizeChangeRefusal(vm);
                if (refusal.isPresent()) {
                    return refusal.get();
                }
                memory = bytes.get();
            }
            case "vcpus", "VCPUs-max" -> {
                Optional<Long> count = Parse.positiveLong(value).filter(n -> n <= Integer.MAX_VALUE);
                if (count.isEmpty()) {
                    return Outcome.rejected(ErrorCode.INVALID_VALUE, op.key(), value);
                }
                Optional<Outcome> refusal = sizeChangeRefusal(vm);
                if (refusal.isPresent()) {
                    return refusal.get();
                }
                vcpus = count.get().intValue();
            }
            case "ha-restart-priority" -> {
                Optional<HaRestartPriority> parsed = Parse.priority(value);
                if (parsed.isEmpty()) {
                    return Outcome.rejected(ErrorCode.INVALID_VALUE, op.key(), value);
                }
                priority = parsed.get();
            }
            case "ha-always-run" -> {
                Optional<Boolean> parsed = Parse.bool(value);
                if (parsed.isEmpty()) {
                    return Outcome.rejected(ErrorCode.INVALID_VALUE, op.key(), value);
                }
                alwaysRun = parsed.get();
            }
            case "order" -> {
                Optional<Long> parsed = Parse.anyLong(value);
                if (parsed.isEmpty()) {
                    return Outcome.rejected(ErrorCode.INVALID_VALUE, op.key(), value);
                }
                order = parsed.get();
            }
            default -> {
                return Outcome.rejected(ErrorCode.UNKNOWN_FIELD, "VM", op.key());
            }
        }
        return Outcome.done(state.withVm(vm.withParams(name, affinity, memory, vcpus, priority, alwaysRun, order)));
    }

    /**
     * Why the VM's size may not change now: it is not Halted, or an operation is in progress (a Halted VM being
     * started already has its memory reserved on the target host).
     */
    private static Optional<Outcome> sizeChangeRefusal(Vm vm) {
        if (vm.currentOperation().isPresent()) {
            return Optional.of(Refs.busy(vm));
        }
        if (vm.powerState() != PowerState.HALTED) {
            return Optional.of(Refs.badPowerState(vm, PowerState.HALTED.xapiName()));
        }
        return Optional.empty();
    }
}
