package io.poolkeeper.api;

import java.util.List;

/**
 * The command may or may not have been applied (a timeout after it was sent, a master lost mid-commit). Read the
 * state, or retry with the same request id: the pool applies a request id once and answers a retry with the first
 * attempt's result. Only a write sent through {@link Pool#withRequestId} has an id of your choosing; a plain call
 * makes a fresh one, and retrying it is a second write. The pool remembers an id for at least 5 minutes (see
 * {@link Pool}, "Retrying a write").
 *
 * <pre>{@code
 * Pool once = pool.withRequestId(UUID.randomUUID().toString());
 * try {
 *     once.blocking().shutdownVm(vm, false);
 * } catch (IndeterminateOutcomeException e) {
 *     once.blocking().shutdownVm(vm, false);   // applied at most once; the first attempt's answer
 * }
 * }</pre>
 */
public class IndeterminateOutcomeException extends PoolException {
    private static final long serialVersionUID = 1L;

    public IndeterminateOutcomeException(ErrorCode code, String message, Throwable cause) {
        super(code, List.of(), message, cause);
    }
}
