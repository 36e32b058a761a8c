package io.poolkeeper.api;

import java.util.List;

/** The command was not applied because no master or no quorum was reachable. Safe to retry. */
public class PoolUnavailableException extends PoolException {
    private static final long serialVersionUID = 1L;

    public PoolUnavailableException(ErrorCode code, String message, Throwable cause) {
        super(code, List.of(), message, cause);
    }
}
