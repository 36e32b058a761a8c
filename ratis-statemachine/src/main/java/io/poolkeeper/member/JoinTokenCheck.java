package io.poolkeeper.member;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.core.JoinToken;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.pool.JoinTokenText;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * The master's check of a joiner's token before it proposes {@code pool-join}: well formed, an id the pool issued,
 * and the secret's hash equal to the stored one (compared in constant time). Expiry is left to the pool's rules,
 * which judge it at the command's pool time, the same on every replica.
 */
final class JoinTokenCheck {
    private static final Set<ErrorCode> CODES =
            EnumSet.of(ErrorCode.JOIN_TOKEN_REQUIRED, ErrorCode.JOIN_TOKEN_INVALID, ErrorCode.JOIN_TOKEN_EXPIRED);

    private JoinTokenCheck() {}

    /** Why {@code text} does not let a new host join {@code state}'s pool, if it does not. */
    static Optional<ErrorCode> refusal(PoolState state, String text) {
        if (text.isBlank()) {
            return Optional.of(ErrorCode.JOIN_TOKEN_REQUIRED);
        }
        Optional<JoinTokenText> token = JoinTokenText.parse(text);
        JoinToken stored = token.map(t -> state.joinTokens().get(t.id())).orElse(null);
        // Malformed, unknown and wrong secret all answer the same, so a prober learns nothing from the code.
        if (stored == null || !token.get().matches(stored.secretSha256())) {
            return Optional.of(ErrorCode.JOIN_TOKEN_INVALID);
        }
        return Optional.empty();
    }

    /** Whether {@code text} is a well-formed token whose id {@code state} does not hold. */
    static boolean unknownId(PoolState state, String text) {
        return JoinTokenText.parse(text)
                .filter(t -> !state.joinTokens().containsKey(t.id()))
                .isPresent();
    }

    /** The join-token code {@code error} carries, if any. */
    static Optional<ErrorCode> tokenCode(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return e instanceof PoolException p && CODES.contains(p.code()) ? Optional.of(p.code()) : Optional.empty();
    }
}
