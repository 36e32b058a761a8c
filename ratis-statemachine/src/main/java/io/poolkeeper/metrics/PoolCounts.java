package io.poolkeeper.metrics;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.core.PoolState;
import java.util.EnumMap;
import java.util.Map;

/**
 * The counts the pool gauges show, from one applied state: hosts live and dead, VMs by power state.
 *
 * @param state the state counted (the cache key: states are immutable, so the same instance has the same counts)
 * @param live hosts marked live
 * @param dead hosts marked dead
 * @param vms VMs by power state, every state present
 */
record PoolCounts(PoolState state, int live, int dead, Map<PowerState, Integer> vms) {
    static PoolCounts of(PoolState state) {
        int live = 0;
        int dead = 0;
        for (Host host : state.hosts().values()) {
            if (host.live()) {
                live++;
            } else {
                dead++;
            }
        }
        Map<PowerState, Integer> vms = new EnumMap<>(PowerState.class);
        for (PowerState p : PowerState.values()) {
            vms.put(p, 0);
        }
        for (Vm vm : state.vms().values()) {
            vms.merge(vm.powerState(), 1, Integer::sum);
        }
        return new PoolCounts(state, live, dead, vms);
    }
}
