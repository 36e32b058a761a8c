package io.poolkeeper.api.model;

import java.util.Objects;
import java.util.UUID;

/** The id of a PBD (an SR attached to a host). Immutable; {@link #toString()} is the canonical UUID string. */
public record PbdId(UUID value) implements ObjectId {
    public PbdId {
        Objects.requireNonNull(value, "value");
    }

    /** Parses a canonical UUID string; {@link IllegalArgumentException} otherwise. */
    public static PbdId of(String uuid) {
        return new PbdId(ObjectId.parse(uuid));
    }

    /** A fresh random id, for callers that choose ids (never used inside the replicated state machine). */
    public static PbdId random() {
        return new PbdId(UUID.randomUUID());
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
