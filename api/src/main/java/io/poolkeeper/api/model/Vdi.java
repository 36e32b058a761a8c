package io.poolkeeper.api.model;

import java.util.Objects;

/**
 * A virtual disk image in an SR (XenAPI {@code VDI}). Immutable value.
 *
 * @param uuid its id
 * @param sr the SR holding it
 * @param nameLabel its name
 * @param virtualSize its size in bytes
 */
public record Vdi(VdiId uuid, SrId sr, String nameLabel, long virtualSize) {
    public Vdi {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(sr, "sr");
        Objects.requireNonNull(nameLabel, "nameLabel");
    }
}
