package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.SrId;
import java.time.Duration;
import java.util.Optional;

/** {@code pool-param-set}: the settable pool fields, xe's spelling. */
final class PoolParams {
    private PoolParams() {}

    static Outcome set(PoolState state, Operation.PoolParamSet op) {
        Pool pool = state.requirePool();
        String value = op.value();
        switch (op.key()) {
            case "name-label":
                return Outcome.done(state.withPool(pool.withNameLabel(value)));
            case "default-SR":
                if (value.isEmpty()) {
                    return Outcome.done(state.withPool(pool.withDefaultSr(Optional.empty())));
                }
                Optional<SrId> sr = Parse.uuid(value).map(SrId::new);
                if (sr.isEmpty()) {
                    return Outcome.rejected(ErrorCode.INVALID_VALUE, op.key(), value);
                }
                if (!state.srs().containsKey(sr.get())) {
                    return Refs.invalid("SR", value);
                }
                return Outcome.done(state.withPool(pool.withDefaultSr(sr)));
            case "ha-host-failures-to-tolerate":
                Optional<Long> failures = Parse.nonNegativeLong(value)
                        .filter(n -> n <= state.hosts().size());
                if (failures.isEmpty()) {
                    return Outcome.rejected(ErrorCode.INVALID_VALUE, op.key(), value);
                }
                return Outcome.done(state.withPool(pool.withHa(
                        pool.haEnabled(), failures.get().intValue(), pool.haAllowOvercommit(), pool.haTimeout())));
            case "ha-allow-overcommit":
                Optional<Boolean> allow = Parse.bool(value);
                if (allow.isEmpty()) {
                    return Outcome.rejected(ErrorCode.INVALID_VALUE, op.key(), value);
                }
                return Outcome.done(state.withPool(
                        pool.withHa(pool.haEnabled(), pool.haHostFailuresToTolerate(), allow.get(), pool.haTimeout())));
            case "ha-timeout":
                // Armed members fence on the timeout they armed with; survivors must not judge on another one.
                if (pool.haEnabled()) {
                    return Outcome.rejected(ErrorCode.HA_IS_ENABLED);
                }
                // Seconds, as xe's ha-config:timeout.
                Optional<Long> seconds = Parse.positiveLong(value).filter(n -> n <= 86_400);
                if (seconds.isEmpty()) {
                    return Outcome.rejected(ErrorCode.INVALID_VALUE, op.key(), value);
                }
                return Outcome.done(state.withPool(pool.withHa(
                        pool.haEnabled(),
                        pool.haHostFailuresToTolerate(),
                        pool.haAllowOvercommit(),
                        Duration.ofSeconds(seconds.get()))));
            default:
                return Outcome.rejected(ErrorCode.UNKNOWN_FIELD, "pool", op.key());
        }
    }
}
