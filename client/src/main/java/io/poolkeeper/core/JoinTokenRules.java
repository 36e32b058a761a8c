package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import java.util.Optional;
import java.util.regex.Pattern;
import org.pcollections.TreePMap;

/**
 * Join tokens (DESIGN §11): created with the hash of a secret made by the caller, revoked by id, and checked by
 * {@code pool-join} against the command's pool time ({@link PoolCommand#issuedAtMillis}), so that every replica
 * decides expiry alike. Tokens already expired when a token is created are dropped then: the set stays bounded by
 * {@link #MAX_LIVE} without a clock-driven sweep.
 */
final class JoinTokenRules {
    /** The most live tokens a pool holds. */
    static final int MAX_LIVE = 100;

    /** The longest validity a token may be given. */
    static final long MAX_VALIDITY_MILLIS = 30L * 24 * 60 * 60 * 1000;

    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private JoinTokenRules() {}

    static Outcome create(PoolState state, Operation.PoolJoinTokenCreate op, ApplyContext context) {
        if (!ID.matcher(op.id()).matches()) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "id", op.id());
        }
        if (!SHA256_HEX.matcher(op.secretSha256()).matches()) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "secret-sha256", "not 64 lowercase hex digits");
        }
        if (op.validityMillis() <= 0 || op.validityMillis() > MAX_VALIDITY_MILLIS) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "validity", op.validityMillis() + "ms");
        }
        long now = context.issuedAtMillis();
        if (now <= 0) {
            // Only a command that skipped the master's stamp (a test's, or a hand-built log) has no pool time; an
            // expiry counted from 0 would be decades past.
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "issued-at", "the command carries no pool time");
        }
        TreePMap<String, JoinToken> live = withoutExpired(state.joinTokens(), now);
        if (live.containsKey(op.id())) {
            return Outcome.rejected(ErrorCode.UUID_ALREADY_EXISTS, "join-token", op.id());
        }
        if (live.size() >= MAX_LIVE) {
            return Outcome.rejected(ErrorCode.JOIN_TOKEN_LIMIT_REACHED, MAX_LIVE);
        }
        // Saturated: a stamp near the end of time (only a corrupt log has one) must not wrap to the past.
        long expires = now > Long.MAX_VALUE - op.validityMillis() ? Long.MAX_VALUE : now + op.validityMillis();
        JoinToken token = new JoinToken(op.id(), op.secretSha256(), expires);
        return Outcome.applied(
                state.withJoinTokens(live.plus(token.id(), token)),
                new Result.JoinTokenCreated(token.expiresAtMillis()));
    }

    static Outcome revoke(PoolState state, Operation.PoolJoinTokenRevoke op) {
        if (!state.joinTokens().containsKey(op.id())) {
            return Refs.invalid("join-token", op.id());
        }
        return Outcome.done(state.withJoinTokens(state.joinTokens().minus(op.id())));
    }

    /**
     * Why {@code pool-join} with token {@code id} at pool time {@code now} is refused, if it is. 0 ({@code now}
     * unknown) judges no expiry: only unstamped commands have it, and the master stamps every joiner's.
     */
    static Optional<Outcome> refusal(PoolState state, String id, long now) {
        if (id.isEmpty()) {
            return Optional.of(Outcome.rejected(ErrorCode.JOIN_TOKEN_REQUIRED));
        }
        JoinToken token = state.joinTokens().get(id);
        if (token == null) {
            return Optional.of(Outcome.rejected(ErrorCode.JOIN_TOKEN_INVALID));
        }
        if (now > 0 && token.expiredAt(now)) {
            return Optional.of(Outcome.rejected(ErrorCode.JOIN_TOKEN_EXPIRED, id));
        }
        return Optional.empty();
    }

    private static TreePMap<String, JoinToken> withoutExpired(TreePMap<String, JoinToken> tokens, long now) {
        TreePMap<String, JoinToken> out = tokens;
        for (JoinToken token : tokens.values()) { // TreePMap: id order
            if (token.expiredAt(now)) {
                out = out.minus(token.id());
            }
        }
        return out;
    }
}
