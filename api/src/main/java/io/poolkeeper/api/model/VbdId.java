package io.poolkeeper.api.model;

import java.util.Objects;
import java.util.UUID;

/** The id of a VBD (a VDI attached to a VM). Immutable; {@link #toString()} is the canonical UUID string. */
public record VbdId(UUID value) implements ObjectId {
    public VbdId {
        Objects.requireNonNull(value, "value");
    }

    /** Parses a canonical UUID string; {@link IllegalArgumentException} otherwise. */
    public static VbdId of(String uuid) {
        return new VbdId(ObjectId.parse(uuid));
    }

    /** A fresh random id, for callers that choose ids (never used inside the replicated state machine). */
    public static VbdId random() {
        return new VbdId(UUID.randomUUID());
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
