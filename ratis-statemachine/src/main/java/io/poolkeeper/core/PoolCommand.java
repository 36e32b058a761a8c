package io.poolkeeper.core;

import java.util.Objects;

/**
 * A command as logged: the operation plus what the master stamped before logging it.
 *
 * @param requestId chosen by the client; a command whose id was already applied is not applied again (empty: no
 *     de-duplication)
 * @param issuedAtMillis the master's wall-clock time when it accepted the command; informational, never compared
 * @param expectedGeneration the generation the sender believes current; 0 for any
 * @param operation the operation
 */
public record PoolCommand(String requestId, long issuedAtMillis, long expectedGeneration, Operation operation) {
    public PoolCommand {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(operation, "operation");
    }

    /** A command without request id or generation check (tests, internal use). */
    public static PoolCommand of(Operation operation) {
        return new PoolCommand("", 0, 0, operation);
    }
}
