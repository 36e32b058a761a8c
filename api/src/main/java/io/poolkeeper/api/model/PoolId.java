package io.poolkeeper.api.model;

import java.util.Objects;
import java.util.UUID;

/** The id of a pool. Immutable; {@link #toString()} is the canonical UUID string. */
public record PoolId(UUID value) implements ObjectId {
    public PoolId {
        Objects.requireNonNull(value, "value");
    }

    /** Parses a canonical UUID string; {@link IllegalArgumentException} otherwise. */
    public static PoolId of(String uuid) {
        return new PoolId(ObjectId.parse(uuid));
    }

    /** A fresh random id, for callers that choose ids (never used inside the replicated state machine). */
    public static PoolId random() {
        return new PoolId(UUID.randomUUID());
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
