package io.poolkeeper.api;

import java.util.List;
import java.util.Objects;

/**
 * The base of every error the library reports: a stable {@link ErrorCode}, its xapi-style parameters and a
 * message. Unchecked. Catch a subclass to tell what to do: {@link PoolRejectedException},
 * {@link PoolUnavailableException} or {@link IndeterminateOutcomeException}.
 */
public abstract class PoolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final List<String> params;

    protected PoolException(ErrorCode code, List<String> params, String message, Throwable cause) {
        super(code.name() + ": " + message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.params = List.copyOf(params);
    }

    public ErrorCode code() {
        return code;
    }

    /** The error's parameters (object ids, expected and actual states), as xapi reports them. */
    public List<String> params() {
        return params;
    }

    /** The exception that fits {@code code}'s {@link ErrorCode.Kind}. */
    public static PoolException of(ErrorCode code, List<String> params, String message) {
        return switch (code.kind()) {
            case REJECTED -> new PoolRejectedException(code, params, message);
            case UNAVAILABLE -> new PoolUnavailableException(code, message, null);
            case INDETERMINATE -> new IndeterminateOutcomeException(code, message, null);
        };
    }
}
