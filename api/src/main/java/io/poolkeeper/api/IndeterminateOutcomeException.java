package io.poolkeeper.api;

import java.util.List;

/**
 * The command may or may not have been applied (a timeout after it was sent, a master lost mid-commit). Read the
 * state, or retry with the same request id: the pool applies a request id once.
 */
public class IndeterminateOutcomeException extends PoolException {
    private static final long serialVersionUID = 1L;

    public IndeterminateOutcomeException(ErrorCode code, String message, Throwable cause) {
        super(code, List.of(), message, cause);
    }
}
