package io.poolkeeper.member;

import io.poolkeeper.api.model.MemberRole;

/**
 * Where a member stands, as one explicit state (etcd's {@code becomeLeader}, Proxmox {@code CRM.pm}): the only
 * source of its reported role, its writability and its emergency mode. Each state names the duties it runs.
 */
public enum MemberState {
    /** Building its Raft server and group; nothing is served yet. */
    STARTING(MemberRole.NO_MASTER),
    /** Raft leader of the current generation: master duties (liveness, configuration, default-SR check). */
    MASTER(MemberRole.MASTER),
    /** Follows a known master: heartbeats it. */
    SLAVE(MemberRole.SLAVE),
    /** No master known, for less than {@code emergency-after}: probes for a newer generation. */
    NO_MASTER(MemberRole.NO_MASTER),
    /** No master for {@code emergency-after}: writes fail at once; the emergency calls are served. */
    EMERGENCY(MemberRole.EMERGENCY),
    /**
     * The pool moved on to a newer generation without this member: it left its old Raft group and refuses writes
     * with {@code POOL_GENERATION_STALE} until reset. Reported as {@link MemberRole#EMERGENCY}.
     */
    STALE(MemberRole.EMERGENCY),
    /** In no pool (ejected, forgotten, or a reset failed half-way). */
    STANDALONE(MemberRole.STANDALONE),
    /**
     * Fenced itself (HA): no writes, no agent calls, until re-admitted. The member refuses writes from the moment it
     * is in this state, and only then asks its host agent to hard-stop the local VMs: an observer can see FENCED a
     * moment before the hypervisor has stopped them.
     */
    FENCED(MemberRole.FENCED),
    /** Closed or killed; a closed member is not restarted (a new one is built on the same directory). */
    CLOSED(MemberRole.CLOSED);

    private final MemberRole role;

    MemberState(MemberRole role) {
        this.role = role;
    }

    /** The role reported through the API, {@code GetMemberStatus} and {@code host-get-role}. */
    public MemberRole role() {
        return role;
    }

    /** Whether this member is in emergency mode (DESIGN §4): no master for long, or stale. */
    public boolean emergency() {
        return this == EMERGENCY || this == STALE;
    }

    /** Whether the member takes part in a pool generation's Raft group in this state. */
    public boolean inGroup() {
        return this == MASTER || this == SLAVE || this == NO_MASTER || this == EMERGENCY;
    }
}
