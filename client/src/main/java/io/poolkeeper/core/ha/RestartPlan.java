package io.poolkeeper.core.ha;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.Rejection;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Where HA restarts each VM ({@link RestartPlanner}): a host for every VM placed, and why for every VM that could not
 * be. Both maps are in VM id order.
 *
 * @param placements VM → the host to start it on
 * @param unplaced VM → why no host can take it ({@code NO_HOSTS_AVAILABLE}, {@code VM_REQUIRES_SR},
 *     {@code HOST_NOT_ENOUGH_FREE_MEMORY})
 */
public record RestartPlan(SortedMap<VmId, HostId> placements, SortedMap<VmId, Rejection> unplaced) {
    public RestartPlan {
        Objects.requireNonNull(placements, "placements");
        Objects.requireNonNull(unplaced, "unplaced");
        placements = Collections.unmodifiableSortedMap(new TreeMap<>(placements));
        unplaced = Collections.unmodifiableSortedMap(new TreeMap<>(unplaced));
    }

    /** Whether every VM that needed a host got one. */
    public boolean complete() {
        return unplaced.isEmpty();
    }
}
