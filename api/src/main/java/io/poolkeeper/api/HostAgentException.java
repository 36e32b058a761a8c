package io.poolkeeper.api;

/**
 * A host agent could not carry out a call. The pool leaves the VM as it was (a failed start leaves it Halted) and
 * fails the operation with {@link ErrorCode#HOST_AGENT_FAILED}, or {@link ErrorCode#FENCING_TOKEN_STALE} when
 * {@link #staleToken()} is true; either way the caller's exception carries this message (see {@link HostAgent}).
 */
public class HostAgentException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean staleToken;

    public HostAgentException(String message) {
        this(message, false);
    }

    public HostAgentException(String message, boolean staleToken) {
        super(message);
        this.staleToken = staleToken;
    }

    /** Whether the agent refused because it has seen a newer fencing token. */
    public boolean staleToken() {
        return staleToken;
    }
}
