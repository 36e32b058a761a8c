package io.poolkeeper.api.model;

import java.util.Objects;
import java.util.UUID;

/** The id of a storage repository. Immutable; {@link #toString()} is the canonical UUID string. */
public record SrId(UUID value) implements ObjectId {
    public SrId {
        Objects.requireNonNull(value, "value");
    }

    /** Parses a canonical UUID string; {@link IllegalArgumentException} otherwise. */
    public static SrId of(String uuid) {
        return new SrId(ObjectId.parse(uuid));
    }

    /** A fresh random id, for callers that choose ids (never used inside the replicated state machine). */
    public static SrId random() {
        return new SrId(UUID.randomUUID());
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
