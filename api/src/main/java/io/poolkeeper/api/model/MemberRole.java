package io.poolkeeper.api.model;

/** What a pool member is doing right now, from its own point of view. */
public enum MemberRole {
    /** The Raft leader; performs master duties (liveness, agent calls, HA restarts). */
    MASTER,
    /** Follows a known master. */
    SLAVE,
    /** Knows no master and is retrying (until {@code emergency-after}). */
    NO_MASTER,
    /** No master for longer than {@code emergency-after}: only local reads and emergency calls are served. */
    EMERGENCY,
    /** Self-fenced by pool HA: its VMs were hard-stopped and it no longer takes part. */
    FENCED,
    /** Not a member of any pool. */
    STANDALONE,
    /**
     * Closed or killed: serves nothing, and {@code LOCAL} reads fail with {@code MEMBER_NOT_RUNNING}. A closed member
     * is not started again; build a new one on the same storage directory.
     */
    CLOSED
}
