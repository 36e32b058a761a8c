package io.poolkeeper.api;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.SrId;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What {@code sr-create} needs: the SR and one plugged PBD per host that should see it.
 *
 * @param uuid the SR's id
 * @param nameLabel its name
 * @param type driver type
 * @param shared whether several hosts may attach it
 * @param deviceConfig driver configuration, copied to every PBD
 * @param pbds the PBD id to create on each host
 */
public record SrSpec(
        SrId uuid,
        String nameLabel,
        String type,
        boolean shared,
        SortedMap<String, String> deviceConfig,
        SortedMap<HostId, PbdId> pbds) {
    public SrSpec {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(nameLabel, "nameLabel");
        Objects.requireNonNull(type, "type");
        deviceConfig = Collections.unmodifiableSortedMap(new TreeMap<>(deviceConfig));
        pbds = Collections.unmodifiableSortedMap(new TreeMap<>(pbds));
    }
}
