package io.poolkeeper.codec;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.VmOperation;
import java.util.Optional;

/**
 * The API enums and their wire twins. The wire's zero value means "unspecified"; whether that is allowed is the
 * caller's decision, so each decoder states what it does with it. Numbers this version does not know ({@code
 * UNRECOGNIZED}) are always refused.
 */
final class EnumCodec {
    private EnumCodec() {}

    // --- PowerState: always required

    static io.poolkeeper.proto.PowerState toProto(PowerState state) {
        return switch (state) {
            case HALTED -> io.poolkeeper.proto.PowerState.HALTED;
            case RUNNING -> io.poolkeeper.proto.PowerState.RUNNING;
            case PAUSED -> io.poolkeeper.proto.PowerState.PAUSED;
            case SUSPENDED -> io.poolkeeper.proto.PowerState.SUSPENDED;
        };
    }

    static PowerState powerState(String field, io.poolkeeper.proto.PowerState state) {
        return switch (state) {
            case HALTED -> PowerState.HALTED;
            case RUNNING -> PowerState.RUNNING;
            case PAUSED -> PowerState.PAUSED;
            case SUSPENDED -> PowerState.SUSPENDED;
            default -> throw bad(field, state);
        };
    }

    // --- HostRole: always required

    static io.poolkeeper.proto.HostRole toProto(HostRole role) {
        return switch (role) {
            case VOTER -> io.poolkeeper.proto.HostRole.VOTER;
            case LISTENER -> io.poolkeeper.proto.HostRole.LISTENER;
            case WITNESS -> io.poolkeeper.proto.HostRole.WITNESS;
        };
    }

    static HostRole hostRole(String field, io.poolkeeper.proto.HostRole role) {
        return switch (role) {
            case VOTER -> HostRole.VOTER;
            case LISTENER -> HostRole.LISTENER;
            case WITNESS -> HostRole.WITNESS;
            default -> throw bad(field, role);
        };
    }

    // --- HaRestartPriority: required in records; unspecified in a command means none

    static io.poolkeeper.proto.HaRestartPriority toProto(HaRestartPriority priority) {
        return switch (priority) {
            case NONE -> io.poolkeeper.proto.HaRestartPriority.HA_RESTART_NONE;
            case RESTART -> io.poolkeeper.proto.HaRestartPriority.HA_RESTART_RESTART;
            case BEST_EFFORT -> io.poolkeeper.proto.HaRestartPriority.HA_RESTART_BEST_EFFORT;
        };
    }

    static HaRestartPriority priority(String field, io.poolkeeper.proto.HaRestartPriority priority) {
        return switch (priority) {
            case HA_RESTART_NONE -> HaRestartPriority.NONE;
            case HA_RESTART_RESTART -> HaRestartPriority.RESTART;
            case HA_RESTART_BEST_EFFORT -> HaRestartPriority.BEST_EFFORT;
            default -> throw bad(field, priority);
        };
    }

    static HaRestartPriority priorityOrNone(String field, io.poolkeeper.proto.HaRestartPriority priority) {
        return priority == io.poolkeeper.proto.HaRestartPriority.HA_RESTART_PRIORITY_UNSPECIFIED
                ? HaRestartPriority.NONE
                : priority(field, priority);
    }

    // --- VmOperation: required in a completion; unspecified in a VM record means none in progress

    static io.poolkeeper.proto.VmOperation toProto(VmOperation operation) {
        return switch (operation) {
            case START -> io.poolkeeper.proto.VmOperation.VM_OP_START;
            case START_PAUSED -> io.poolkeeper.proto.VmOperation.VM_OP_START_PAUSED;
            case CLEAN_SHUTDOWN -> io.poolkeeper.proto.VmOperation.VM_OP_CLEAN_SHUTDOWN;
            case HARD_SHUTDOWN -> io.poolkeeper.proto.VmOperation.VM_OP_HARD_SHUTDOWN;
            case CLEAN_REBOOT -> io.poolkeeper.proto.VmOperation.VM_OP_CLEAN_REBOOT;
            case HARD_REBOOT -> io.poolkeeper.proto.VmOperation.VM_OP_HARD_REBOOT;
            case SUSPEND -> io.poolkeeper.proto.VmOperation.VM_OP_SUSPEND;
            case RESUME -> io.poolkeeper.proto.VmOperation.VM_OP_RESUME;
            case PAUSE -> io.poolkeeper.proto.VmOperation.VM_OP_PAUSE;
            case UNPAUSE -> io.poolkeeper.proto.VmOperation.VM_OP_UNPAUSE;
            case MIGRATE -> io.poolkeeper.proto.VmOperation.VM_OP_MIGRATE;
        };
    }

    static io.poolkeeper.proto.VmOperation toProto(Optional<VmOperation> operation) {
        return operation.map(EnumCodec::toProto).orElse(io.poolkeeper.proto.VmOperation.VM_OPERATION_UNSPECIFIED);
    }

    static VmOperation vmOperation(String field, io.poolkeeper.proto.VmOperation operation) {
        return switch (operation) {
            case VM_OP_START -> VmOperation.START;
            case VM_OP_START_PAUSED -> VmOperation.START_PAUSED;
            case VM_OP_CLEAN_SHUTDOWN -> VmOperation.CLEAN_SHUTDOWN;
            case VM_OP_HARD_SHUTDOWN -> VmOperation.HARD_SHUTDOWN;
            case VM_OP_CLEAN_REBOOT -> VmOperation.CLEAN_REBOOT;
            case VM_OP_HARD_REBOOT -> VmOperation.HARD_REBOOT;
            case VM_OP_SUSPEND -> VmOperation.SUSPEND;
            case VM_OP_RESUME -> VmOperation.RESUME;
            case VM_OP_PAUSE -> VmOperation.PAUSE;
            case VM_OP_UNPAUSE -> VmOperation.UNPAUSE;
            case VM_OP_MIGRATE -> VmOperation.MIGRATE;
            default -> throw bad(field, operation);
        };
    }

    static Optional<VmOperation> optionalVmOperation(String field, io.poolkeeper.proto.VmOperation operation) {
        return operation == io.poolkeeper.proto.VmOperation.VM_OPERATION_UNSPECIFIED
                ? Optional.empty()
                : Optional.of(vmOperation(field, operation));
    }

    private static IllegalArgumentException bad(String field, Enum<?> value) {
        // UNRECOGNIZED carries no number through the enum; the name is enough to say what went wrong.
        return new IllegalArgumentException(field + ": " + value.name() + " is not allowed here");
    }
}
