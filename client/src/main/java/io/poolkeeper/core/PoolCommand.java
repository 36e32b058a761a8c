package io.poolkeeper.core;

import java.util.Objects;

/**
 * A command as logged: the operation plus what the master stamped before logging it.
 *
 * @param requestId chosen by the client; a command whose id was already applied is not applied again (empty: no
 *     de-duplication) for as long as {@link AppliedRequests} keeps it
 * @param issuedAtMillis the pool time at which the master accepted the command, stamped before logging whatever the
 *     sender set (0: none); the request window ages by it, see {@link AppliedRequests} ("Pool time")
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
