package io.poolkeeper.api.model;

import java.util.Objects;
import java.util.UUID;

/** The id of a host (pool member). Immutable; {@link #toString()} is the canonical UUID string. */
public record HostId(UUID value) implements ObjectId {
    public HostId {
        Objects.requireNonNull(value, "value");
    }

    /** Parses a canonical UUID string; {@link IllegalArgumentException} otherwise. */
    public static HostId of(String uuid) {
        return new HostId(ObjectId.parse(uuid));
    }

    /** A fresh random id, for callers that choose ids (never used inside the replicated state machine). */
    public static HostId random() {
        return new HostId(UUID.randomUUID());
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
