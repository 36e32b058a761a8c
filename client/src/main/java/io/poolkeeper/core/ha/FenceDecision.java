package io.poolkeeper.core.ha;

/**
 * What an HA member must do about a network partition, as decided by {@link Fencer#decide}.
 *
 * <p>The decision is about the partition, not about timing: a member that gets {@link #SELF_FENCE} acts on it only
 * once it has been outside a surviving partition for the HA timeout (DESIGN.md §6).
 */
public enum FenceDecision {
    /**
     * The host's partition is the surviving one: the host keeps running its VMs and may help declare the hosts
     * outside the partition dead.
     */
    SURVIVE,

    /**
     * The host's partition does not survive (or the host is not a member of the committed liveset): it must hard-stop
     * every local VM and stop its member, so that survivors may restart those VMs without running them twice.
     */
    SELF_FENCE
}
