package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import java.util.Objects;

/**
 * The outcome of applying one command: the next state and the caller's result, or a refusal. A refusal is a
 * value that is replicated like any result; it never changes the state.
 */
public sealed interface Outcome {

    /** The command was applied (or had been, for a repeated request id): {@code next} is the new state. */
    record Applied(PoolState next, Result result) implements Outcome {
        public Applied {
            Objects.requireNonNull(next, "next");
            Objects.requireNonNull(result, "result");
        }
    }

    /** The command was refused and changed nothing. */
    record Rejected(Rejection rejection) implements Outcome {
        public Rejected {
            Objects.requireNonNull(rejection, "rejection");
        }
    }

    static Outcome applied(PoolState next, Result result) {
        return new Applied(next, result);
    }

    static Outcome done(PoolState next) {
        return new Applied(next, Result.DONE);
    }

    static Outcome rejected(ErrorCode code, Object... params) {
        return new Rejected(Rejection.of(code, params));
    }

    static Outcome rejected(Rejection rejection) {
        return new Rejected(rejection);
    }
}
