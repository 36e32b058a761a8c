package io.poolkeeper.core.ha;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Rejection;
import java.util.Collections;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * HA's restart plan (DESIGN §6 "Restart", xapi's {@code compute_restart_plan}): a host for each protected VM that is
 * not running — Halted, or on a host that is not live or is in a hypothetical set of failed hosts — then for the
 * best-effort VMs asked for, while room remains.
 *
 * <p>Protected VMs go first, by {@code order} group ascending, each group biggest VM first (biggest-fit-decreasing
 * as xapi's {@code binpack.ml}); a VM goes to its affinity host if that fits, else to the fitting host with the most
 * free memory. A host fits if it is live, enabled, not a witness, not failed, has every SR holding the VM's disks
 * attached and the VM's memory free once the VMs planned before it are counted. Pure and deterministic: sorted
 * iteration only, no clock.
 */
public final class RestartPlanner {
    private RestartPlanner() {}

    /** The plan for the protected VMs not running now. */
    public static RestartPlan plan(PoolState state) {
        return plan(state, Collections.emptySortedSet(), Collections.emptySortedSet());
    }

    /**
     * The plan once the hosts {@code failed} are dead (their VMs need a host too): protected VMs, then those of
     * {@code bestEffort} whose priority is best-effort and that are Halted or were on a failed host.
     */
    public static RestartPlan plan(PoolState state, Set<HostId> failed, Set<VmId> bestEffort) {
        PlanningPool pool = PlanningPool.of(
                state,
                Vm::isProtected,
                vm -> bestEffort.contains(vm.uuid()) && vm.haRestartPriority() == HaRestartPriority.BEST_EFFORT,
                failed);
        long[] free = pool.free.clone();
        SortedMap<VmId, HostId> placements = new TreeMap<>();
        SortedMap<VmId, Rejection> unplaced = new TreeMap<>();
        for (boolean protect : new boolean[] {true, false}) {
            for (int v = 0; v < pool.vms.length; v++) {
                PlanningPool.PlanVm vm = pool.vms[v];
                if (vm.protect() != protect || pool.placement[v] != PlanningPool.UNPLACED) {
                    continue;
                }
                int host = PlanningPool.placeVm(vm, free, pool.target);
                if (host < 0) {
                    unplaced.put(vm.id(), pool.whyUnplaced(vm, free, pool.target));
                } else {
                    free[host] -= vm.memory();
                    placements.put(vm.id(), pool.hosts[host]);
                }
            }
        }
        return new RestartPlan(placements, unplaced);
    }
}
