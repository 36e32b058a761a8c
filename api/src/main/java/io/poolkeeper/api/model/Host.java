package io.poolkeeper.api.model;

import java.util.Objects;

/**
 * A pool member host (XenAPI {@code host} plus {@code host_metrics.live}). Immutable value.
 *
 * @param uuid the host's id, also its Raft peer id
 * @param nameLabel its name
 * @param address its member endpoint ({@code host:port})
 * @param enabled whether new VMs may be started on it
 * @param live whether the master believes it is alive (heartbeats)
 * @param memoryTotal bytes of memory available to VMs
 * @param role how it takes part in quorum
 */
public record Host(
        HostId uuid, String nameLabel, String address, boolean enabled, boolean live, long memoryTotal, HostRole role) {
    public Host {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(nameLabel, "nameLabel");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(role, "role");
    }

    public Host withEnabled(boolean newEnabled) {
        return new Host(uuid, nameLabel, address, newEnabled, live, memoryTotal, role);
    }

    public Host withLive(boolean newLive) {
        return new Host(uuid, nameLabel, address, enabled, newLive, memoryTotal, role);
    }
}
