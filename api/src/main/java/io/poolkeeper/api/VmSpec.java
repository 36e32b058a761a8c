package io.poolkeeper.api;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code vm-create} needs. The caller chooses the id so that a retried create is applied once.
 *
 * @param uuid the new VM's id
 * @param nameLabel its name
 * @param memory bytes of memory, &gt; 0
 * @param vcpus virtual CPUs, &gt; 0
 * @param affinity preferred host for start
 * @param haRestartPriority HA protection
 * @param order HA restart order group
 */
public record VmSpec(
        VmId uuid,
        String nameLabel,
        long memory,
        int vcpus,
        Optional<HostId> affinity,
        HaRestartPriority haRestartPriority,
        long order) {
    public VmSpec {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(nameLabel, "nameLabel");
        Objects.requireNonNull(affinity, "affinity");
        Objects.requireNonNull(haRestartPriority, "haRestartPriority");
    }

    /** A plain unprotected VM with a fresh id. */
    public static VmSpec of(String nameLabel, long memory, int vcpus) {
        return new VmSpec(VmId.random(), nameLabel, memory, vcpus, Optional.empty(), HaRestartPriority.NONE, 0);
    }
}
