package io.poolkeeper.api.model;

import java.util.Objects;
import java.util.UUID;

/** The id of a VDI (a virtual disk in an SR). Immutable; {@link #toString()} is the canonical UUID string. */
public record VdiId(UUID value) implements ObjectId {
    public VdiId {
        Objects.requireNonNull(value, "value");
    }

    /** Parses a canonical UUID string; {@link IllegalArgumentException} otherwise. */
    public static VdiId of(String uuid) {
        return new VdiId(ObjectId.parse(uuid));
    }

    /** A fresh random id, for callers that choose ids (never used inside the replicated state machine). */
    public static VdiId random() {
        return new VdiId(UUID.randomUUID());
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
