package io.poolkeeper.core;

import io.poolkeeper.api.JoinTokenInfo;
import java.time.Instant;
import java.util.Objects;

/**
 * A join token as the pool keeps it: its id, the SHA-256 of its secret (lowercase hex; empty in the copy a read
 * returns) and the pool time it expires at.
 */
public record JoinToken(String id, String secretSha256, long expiresAtMillis) {
    public JoinToken {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(secretSha256, "secretSha256");
    }

    /** Whether the pool refuses this token at pool time {@code poolMillis}. */
    public boolean expiredAt(long poolMillis) {
        return poolMillis >= expiresAtMillis;
    }

    /** What reads show: without the hash. */
    public JoinTokenInfo info() {
        return new JoinTokenInfo(id, Instant.ofEpochMilli(expiresAtMillis));
    }

    /** This token without the hash, as reads carry it. */
    public JoinToken withoutSecret() {
        return new JoinToken(id, "", expiresAtMillis);
    }
}
