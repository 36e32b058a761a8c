package io.poolkeeper.api;

/**
 * Every error poolkeeper reports, named as in xapi where xapi has a name. The {@link #number()} and the name are
 * stable: they may be documented, scripted against and stored; descriptions may change.
 *
 * <p>{@link Kind} says what a caller should do: a {@link Kind#REJECTED} command changed nothing and will be
 * refused again; an {@link Kind#UNAVAILABLE} one was not applied and may be retried; an
 * {@link Kind#INDETERMINATE} one may or may not have been applied.
 */
public enum ErrorCode {
    // --- input and references (1xx)
    HANDLE_INVALID(100, Kind.REJECTED, "The referenced object does not exist."),
    UUID_ALREADY_EXISTS(101, Kind.REJECTED, "An object with this UUID already exists."),
    INVALID_VALUE(102, Kind.REJECTED, "A parameter has an invalid value."),
    UNKNOWN_FIELD(103, Kind.REJECTED, "There is no such parameter."),
    MALFORMED_COMMAND(104, Kind.REJECTED, "The command could not be decoded."),
    UNKNOWN_OPERATION(105, Kind.REJECTED, "The command names an operation this member does not know."),
    FORCE_REQUIRED(106, Kind.REJECTED, "This operation must be confirmed with --force."),
    NO_POOL(107, Kind.REJECTED, "This member is not part of a pool."),
    POOL_ALREADY_EXISTS(108, Kind.REJECTED, "This member already belongs to a pool."),

    // --- VMs (2xx)
    VM_BAD_POWER_STATE(200, Kind.REJECTED, "The VM is not in a power state that allows this operation."),
    OTHER_OPERATION_IN_PROGRESS(201, Kind.REJECTED, "Another operation is in progress on this VM."),
    OPERATION_NOT_IN_PROGRESS(202, Kind.REJECTED, "The VM has no such operation in progress."),
    VM_REQUIRES_SR(203, Kind.REJECTED, "A disk of the VM is on an SR not attached to the host."),
    NO_HOSTS_AVAILABLE(204, Kind.REJECTED, "No host can run the VM."),
    VM_HOST_INCOMPATIBLE(205, Kind.REJECTED, "The VM cannot move to the host it already resides on."),

    // --- hosts (3xx)
    HOST_OFFLINE(300, Kind.REJECTED, "The host is not live."),
    HOST_DISABLED(301, Kind.REJECTED, "The host is disabled: no new VMs may start on it."),
    HOST_IS_WITNESS(302, Kind.REJECTED, "The host is a witness and never runs VMs."),
    HOST_NOT_ENOUGH_FREE_MEMORY(303, Kind.REJECTED, "The host has not enough free memory for the VM."),
    HOST_IS_LIVE(304, Kind.REJECTED, "The host is still live; the operation needs it dead."),
    HOST_IS_MASTER(305, Kind.REJECTED, "The operation cannot target the pool master."),
    HOST_HAS_RESIDENT_VMS(306, Kind.REJECTED, "VMs still reside on the host."),
    HOST_IN_EMERGENCY_MODE(
            307, Kind.REJECTED, "This member has no master and is in emergency mode; only emergency calls work."),

    // --- pool and membership (4xx)
    CANNOT_EJECT_MASTER(400, Kind.REJECTED, "The master cannot be ejected; designate another master first."),
    POOL_GENERATION_STALE(401, Kind.REJECTED, "The request belongs to an older pool generation."),
    VOTER_LIMIT_REACHED(402, Kind.REJECTED, "The pool has its maximum number of voters."),
    POOL_JOINING_HOST_HAS_VMS(403, Kind.REJECTED, "A joining host must have no VMs."),
    NOT_IN_EMERGENCY_MODE(404, Kind.REJECTED, "This call is only allowed in emergency mode."),
    MEMBER_FENCED(405, Kind.REJECTED, "This member fenced itself and takes no part in the pool."),
    POOL_MISMATCH(
            406,
            Kind.REJECTED,
            "The member at this address serves another pool than the one the request is for; nothing changed."),
    FAULT_INJECTION_DISABLED(
            407,
            Kind.REJECTED,
            "This member takes no fault injection: start it with --allow-fault-injection (tests only)."),
    PERMISSION_DENIED(
            408,
            Kind.REJECTED,
            "The caller's credentials do not allow this call (a client certificate calling a member-only RPC, or a"
                    + " certificate of another pool); nothing changed."),
    JOIN_TOKEN_REQUIRED(
            409, Kind.REJECTED, "Joining the pool as a new host needs a join token (pool-join-token-create)."),
    // Malformed, unknown (never issued, or revoked) and wrong-secret tokens share one code on purpose: telling them
    // apart would help guessing.
    JOIN_TOKEN_INVALID(410, Kind.REJECTED, "The join token is not valid for this pool."),
    JOIN_TOKEN_EXPIRED(411, Kind.REJECTED, "The join token has expired."),
    JOIN_TOKEN_LIMIT_REACHED(
            412, Kind.REJECTED, "The pool has its maximum number of live join tokens; revoke one first."),

    // --- HA (5xx)
    HA_IS_ENABLED(500, Kind.REJECTED, "The operation is not allowed while pool HA is enabled."),
    HA_NOT_ENABLED(501, Kind.REJECTED, "Pool HA is not enabled."),
    HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN(502, Kind.REJECTED, "The operation would break the HA failover plan."),

    // --- storage (6xx)
    SR_HAS_PBD(600, Kind.REJECTED, "The SR is still attached to a host."),
    VDI_IN_USE(601, Kind.REJECTED, "A disk is in use by a VM that is not halted."),
    DEVICE_ALREADY_EXISTS(602, Kind.REJECTED, "The VM already has a disk at this device."),
    PBD_EXISTS(603, Kind.REJECTED, "The SR already has a PBD on this host."),
    SR_NOT_SHARED(604, Kind.REJECTED, "A non-shared SR can be attached to one host only."),

    // --- alerts (7xx): raised on the event stream, not returned by commands
    DEFAULT_SR_INVALID(700, Kind.REJECTED, "The pool's default SR is missing or not attached on every live host."),
    HA_PROTECTED_VM_RESTART_FAILED(701, Kind.REJECTED, "HA could not restart a protected VM: no host can take it."),
    HA_POOL_OVERCOMMITTED(
            702, Kind.REJECTED, "The pool can no longer tolerate its configured number of host failures."),
    HA_POOL_DROP_IN_PLAN_EXISTS_FOR(
            703, Kind.REJECTED, "The number of host failures the pool can tolerate has dropped."),
    HOST_RUNS_UNEXPECTED_VM(
            704, Kind.REJECTED, "A host's hypervisor runs a VM the pool does not record as running there."),
    HOST_MISSING_RUNNING_VM(
            705, Kind.REJECTED, "The pool records a VM as running on a host whose hypervisor does not run it."),

    // --- host agent (8xx)
    HOST_AGENT_FAILED(800, Kind.REJECTED, "The host agent failed the operation; the VM was left as it was."),
    FENCING_TOKEN_STALE(801, Kind.REJECTED, "The host agent has seen a newer fencing token."),

    // --- availability (9xx): retry
    NO_MASTER(900, Kind.UNAVAILABLE, "The pool has no reachable master right now."),
    NO_QUORUM(901, Kind.UNAVAILABLE, "No majority of voters is reachable."),
    MEMBER_NOT_RUNNING(902, Kind.UNAVAILABLE, "The member is not running."),
    TIMEOUT(903, Kind.INDETERMINATE, "No answer in time; the command may or may not have been applied."),
    INTERNAL_ERROR(999, Kind.INDETERMINATE, "An unexpected internal error; the outcome is unknown.");

    /** What a caller should do with an error. */
    public enum Kind {
        /** Refused: nothing changed, do not retry as is. */
        REJECTED,
        /** Not applied: retry later (no master, no quorum). */
        UNAVAILABLE,
        /** Unknown whether applied: read the state, or retry with the same request id. */
        INDETERMINATE
    }

    private final int number;
    private final Kind kind;
    private final String description;

    ErrorCode(int number, Kind kind, String description) {
        this.number = number;
        this.kind = kind;
        this.description = description;
    }

    /** The stable numeric code. */
    public int number() {
        return number;
    }

    public Kind kind() {
        return kind;
    }

    /** A one-line explanation for humans. */
    public String description() {
        return description;
    }

    /** The code with this name, or {@link #INTERNAL_ERROR} for a name this version does not know. */
    public static ErrorCode fromName(String name) {
        for (ErrorCode code : values()) {
            if (code.name().equals(name)) {
                return code;
            }
        }
        return INTERNAL_ERROR;
    }
}
