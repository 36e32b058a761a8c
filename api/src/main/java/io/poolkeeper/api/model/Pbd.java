package io.poolkeeper.api.model;

import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A physical block device: the attachment of an SR to a host (XenAPI {@code PBD}). Immutable value.
 *
 * @param uuid its id
 * @param sr the SR
 * @param host the host
 * @param deviceConfig driver configuration, sorted by key
 * @param currentlyAttached whether the SR is plugged on the host
 */
public record Pbd(PbdId uuid, SrId sr, HostId host, SortedMap<String, String> deviceConfig, boolean currentlyAttached) {
    public Pbd {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(sr, "sr");
        Objects.requireNonNull(host, "host");
        deviceConfig = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(deviceConfig));
    }

    public Pbd withCurrentlyAttached(boolean attached) {
        return new Pbd(uuid, sr, host, deviceConfig, attached);
    }
}
