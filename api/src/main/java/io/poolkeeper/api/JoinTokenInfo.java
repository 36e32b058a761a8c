package io.poolkeeper.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A join token as reads show it: its id and expiry, never its secret or the secret's hash. A token past
 * {@code expiresAt} may still be listed until the pool drops it; it is refused all the same.
 */
public record JoinTokenInfo(String id, Instant expiresAt) {
    public JoinTokenInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
