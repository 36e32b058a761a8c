package io.poolkeeper.api.model;

import java.util.Objects;
import java.util.Optional;

/**
 * A virtual machine's record (XenAPI {@code VM}). Immutable value.
 *
 * <p>Invariants kept by the pool: a {@link PowerState#RUNNING Running} or {@link PowerState#PAUSED Paused} VM has
 * a {@code residentOn}; a Halted or Suspended VM has none. {@code scheduledToBeResidentOn} reserves memory on a
 * host while a start, resume or migrate is in progress.
 *
 * @param uuid the VM's id
 * @param nameLabel its name
 * @param powerState its power state
 * @param residentOn the host it runs on
 * @param scheduledToBeResidentOn the host an operation in progress is moving it to
 * @param affinity the preferred host for start
 * @param memory bytes of memory it needs
 * @param vcpus its virtual CPUs
 * @param haRestartPriority whether HA restarts it
 * @param haAlwaysRun the intent to be running (set on start when protected, cleared on shutdown)
 * @param order HA restart order group (lower first)
 * @param currentOperation the agent-backed operation in progress, if any
 */
public record Vm(
        VmId uuid,
        String nameLabel,
        PowerState powerState,
        Optional<HostId> residentOn,
        Optional<HostId> scheduledToBeResidentOn,
        Optional<HostId> affinity,
        long memory,
        int vcpus,
        HaRestartPriority haRestartPriority,
        boolean haAlwaysRun,
        long order,
        Optional<VmOperation> currentOperation) {

    public Vm {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(nameLabel, "nameLabel");
        Objects.requireNonNull(powerState, "powerState");
        Objects.requireNonNull(residentOn, "residentOn");
        Objects.requireNonNull(scheduledToBeResidentOn, "scheduledToBeResidentOn");
        Objects.requireNonNull(affinity, "affinity");
        Objects.requireNonNull(haRestartPriority, "haRestartPriority");
        Objects.requireNonNull(currentOperation, "currentOperation");
    }

    /** Whether HA must keep this VM running (XenAPI {@code vm_should_always_run}). */
    public boolean isProtected() {
        return haAlwaysRun && haRestartPriority == HaRestartPriority.RESTART;
    }

    /** A copy with a new power state and residence; any operation in progress and reservation cleared. */
    public Vm settled(PowerState newPowerState, Optional<HostId> newResidentOn) {
        return new Vm(
                uuid,
                nameLabel,
                newPowerState,
                newResidentOn,
                Optional.empty(),
                affinity,
                memory,
                vcpus,
                haRestartPriority,
                haAlwaysRun,
                order,
                Optional.empty());
    }

    /** A copy with an operation in progress and, for moves, the host it reserves. */
    public Vm operating(VmOperation operation, Optional<HostId> scheduledHost) {
        return new Vm(
                uuid,
                nameLabel,
                powerState,
                residentOn,
                scheduledHost,
                affinity,
                memory,
                vcpus,
                haRestartPriority,
                haAlwaysRun,
                order,
                Optional.of(operation));
    }

    public Vm withHaAlwaysRun(boolean newHaAlwaysRun) {
        return new Vm(
                uuid,
                nameLabel,
                powerState,
                residentOn,
                scheduledToBeResidentOn,
                affinity,
                memory,
                vcpus,
                haRestartPriority,
                newHaAlwaysRun,
                order,
                currentOperation);
    }

    /** A copy with its user-settable fields replaced. */
    public Vm withParams(
            String newNameLabel,
            Optional<HostId> newAffinity,
            long newMemory,
            int newVcpus,
            HaRestartPriority newPriority,
            boolean newHaAlwaysRun,
            long newOrder) {
        return new Vm(
                uuid,
                newNameLabel,
                powerState,
                residentOn,
                scheduledToBeResidentOn,
                newAffinity,
                newMemory,
                newVcpus,
                newPriority,
                newHaAlwaysRun,
                newOrder,
                currentOperation);
    }
}
