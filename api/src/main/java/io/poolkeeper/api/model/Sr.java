package io.poolkeeper.api.model;

import java.util.Objects;

/**
 * A storage repository (XenAPI {@code SR}). Immutable value.
 *
 * @param uuid its id
 * @param nameLabel its name
 * @param type the SR driver type ({@code nfs}, {@code lvm}, ...)
 * @param shared whether every host may attach it
 */
public record Sr(SrId uuid, String nameLabel, String type, boolean shared) {
    public Sr {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(nameLabel, "nameLabel");
        Objects.requireNonNull(type, "type");
    }
}
