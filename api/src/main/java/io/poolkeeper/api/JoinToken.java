package io.poolkeeper.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A join token just issued by the pool ({@link Pool#createJoinToken}): what a new host passes to
 * {@link PoolMember.Builder#joinToken} to join. The pool keeps only a hash of the secret, so {@link #token} is shown
 * here once; the token is valid for any number of joins until {@link #expiresAt} or until revoked.
 *
 * @param token the full text, {@code PKJT-<id>.<secret>}: a secret, to be handed only to the hosts that are to join
 * @param id the token's public id (listed by {@code pool-join-token-list}, named by {@link Pool#revokeJoinToken})
 * @param expiresAt when the pool stops accepting it, in pool time
 */
public record JoinToken(String token, String id, Instant expiresAt) {
    public JoinToken {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    @Override
    public String toString() {
        // Keeps the secret out of logs and exception messages that print the record.
        return "JoinToken[id=" + id + ", expiresAt=" + expiresAt + "]";
    }
}
