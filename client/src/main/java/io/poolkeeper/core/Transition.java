package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;

/**
 * The one entry point of the pool's rules: {@code apply(state, command, context) -> outcome}.
 *
 * <p>Deterministic: the outcome depends only on the arguments (no clock, no randomness, no iteration over unordered
 * collections), so every replica applying the same log reaches equal states. Total: it never throws; a refused
 * command, a malformed one and even a bug surface as a {@link Outcome.Rejected} that leaves the state unchanged.
 */
public final class Transition {
    private Transition() {}

    public static Outcome apply(PoolState state, PoolCommand command, ApplyContext context) {
        try {
            return applyChecked(state, command, context);
        } catch (RuntimeException e) {
            // A bug must not stop the replica (Ratis closes a division whose apply throws); every replica hits the
            // same bug on the same entry, so refusing keeps them equal.
            return Outcome.rejected(
                    ErrorCode.INTERNAL_ERROR, command.operation().xeName(), String.valueOf(e));
        }
    }

    private static Outcome applyChecked(PoolState state, PoolCommand command, ApplyContext logged) {
        ApplyContext context = logged.issuedAt(command.issuedAtMillis());
        Operation operation = command.operation();
        if (state.pool().isEmpty() && !operation.createsPool()) {
            return Outcome.rejected(ErrorCode.NO_POOL);
        }
        if (command.expectedGeneration() != 0
                && state.pool().isPresent()
                && command.expectedGeneration() != state.requirePool().generation()) {
            return Outcome.rejected(
                    ErrorCode.POOL_GENERATION_STALE,
                    command.expectedGeneration(),
                    state.requirePool().generation());
        }
        boolean deduplicated = !command.requestId().isEmpty();
        if (deduplicated) {
            var seen = state.requests().find(command.requestId());
            if (seen.isPresent()) {
                return Outcome.applied(state, seen.get().result());
            }
        }
        // Members refuse such a command before proposing it; a leader that did not must not make replicas differ.
        // After the generation and retry checks: a retry is answered as before, whatever it carries now.
        var overLimit = InputLimits.check(command);
        if (overLimit.isPresent()) {
            return Outcome.rejected(overLimit.get());
        }
        Outcome outcome = FailoverGuard.check(state, operation, operation.applyTo(state, context));
        if (deduplicated && outcome instanceof Outcome.Applied applied) {
            PoolState next = applied.next();
            return Outcome.applied(
                    next.withRequests(next.requests()
                            .plus(command.requestId(), context.sequence(), command.issuedAtMillis(), applied.result())),
                    applied.result());
        }
        return outcome;
    }
}
