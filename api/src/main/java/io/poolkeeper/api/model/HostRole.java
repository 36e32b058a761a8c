package io.poolkeeper.api.model;

/** How a host takes part in the pool's replication and quorum. */
public enum HostRole {
    /** Votes in Raft elections and counts in partitions; runs VMs. */
    VOTER,
    /** A non-voting replica: holds the full state, runs VMs, does not count for quorum. */
    LISTENER,
    /** Votes and counts in partitions, but never runs VMs (a tie-breaker). */
    WITNESS;

    /** Whether the host counts toward Raft quorum. */
    public boolean votes() {
        return this != LISTENER;
    }

    /** Whether VMs may be placed on the host. */
    public boolean runsVms() {
        return this != WITNESS;
    }
}
