package io.poolkeeper.api;

import java.util.List;

/** The pool refused the command with a stable code and changed nothing. Do not retry it as it is. */
public class PoolRejectedException extends PoolException {
    private static final long serialVersionUID = 1L;

    public PoolRejectedException(ErrorCode code, List<String> params, String message) {
        super(code, params, message, null);
    }
}
