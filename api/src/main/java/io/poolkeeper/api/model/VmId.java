package io.poolkeeper.api.model;

import java.util.Objects;
import java.util.UUID;

/** The id of a VM. Immutable; {@link #toString()} is the canonical UUID string. */
public record VmId(UUID value) implements ObjectId {
    public VmId {
        Objects.requireNonNull(value, "value");
    }

    /** Parses a canonical UUID string; {@link IllegalArgumentException} otherwise. */
    public static VmId of(String uuid) {
        return new VmId(ObjectId.parse(uuid));
    }

    /** A fresh random id, for callers that choose ids (never used inside the replicated state machine). */
    public static VmId random() {
        return new VmId(UUID.randomUUID());
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
