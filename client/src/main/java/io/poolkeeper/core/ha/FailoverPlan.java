package io.poolkeeper.core.ha;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.PoolState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The failover plan as xapi computes it ({@code Xapi_ha_vm_failover.plan_for_n_failures}, {@code binpack.ml}): a plan
 * exists for r failures when the protected VMs not running now can be placed and then, for <em>every sequence</em> of
 * r failures among the live hosts that run VMs, the protected VMs of each failed host (including those restarted onto
 * it by an earlier failure) can be restarted on the enabled hosts still alive, with {@link RestartPlanner}'s placement
 * rule.
 *
 * <p>Exhaustive when {@code n ≤ 32} and {@code C(n,r)·r! < 3500}; otherwise xapi's conservative approximation: every
 * failed VM as large as the largest protected VM, the r hosts holding the most protected VMs fail, and the r enabled
 * hosts with the most room are among the failed. The approximation is sound (it says yes only if every sequence has a
 * plan: the survivors' whole-VM slots cover every VM that can fail) but needs every protected VM to be placeable on
 * every enabled host (SRs attached everywhere); otherwise it says no. Trivially impossible if fewer than r hosts can
 * fail, or exactly r and there are protected VMs.
 *
 * <p>Pure and deterministic. Thread-safe (no state).
 */
public final class FailoverPlan {
    /** xapi's {@code choose_heuristic} bounds. */
    static final int EXHAUSTIVE_MAX_HOSTS = 32;

    static final long EXHAUSTIVE_MAX_SEQUENCES = 3500;

    private FailoverPlan() {}

    /** What the pool records about its plan: {@code ha-plan-exists-for} and {@code ha-overcommitted}. */
    public record Status(int planExistsFor, boolean overcommitted) {}

    /** Whether a plan exists for {@code failures} host failures, for the pool's protected VMs. */
    public static boolean planExists(PoolState state, int failures) {
        return planExists(PlanningPool.of(state, Vm::isProtected, vm -> false, Collections.emptySortedSet()), failures);
    }

    /** The most host failures a plan exists for (bisection, as xapi: the answer is monotone in r). */
    public static int maxHostFailuresToTolerate(PoolState state) {
        return max(PlanningPool.of(state, Vm::isProtected, vm -> false, Collections.emptySortedSet()));
    }

    /**
     * {@link #maxHostFailuresToTolerate} as if exactly the VMs of {@code priorities} with priority {@code restart}
     * were protected (xapi's {@code ha_compute_hypothetical_max_host_failures_to_tolerate}). VMs not in the map are
     * not protected.
     */
    public static int hypotheticalMaxHostFailuresToTolerate(PoolState state, Map<VmId, HaRestartPriority> priorities) {
        Predicate<Vm> protect = vm -> priorities.get(vm.uuid()) == HaRestartPriority.RESTART;
        return max(PlanningPool.of(state, protect, vm -> false, Collections.emptySortedSet()));
    }

    /**
     * The plan status to record: {@code planExistsFor = min(ntol, max)}, overcommitted iff no plan for ntol. Cheaper
     * than {@link #maxHostFailuresToTolerate} when a plan for ntol exists (the common case): one check.
     */
    public static Status status(PoolState state) {
        Pool pool = state.requirePool();
        int ntol = pool.haHostFailuresToTolerate();
        PlanningPool planning = PlanningPool.of(state, Vm::isProtected, vm -> false, Collections.emptySortedSet());
        if (planExists(planning, ntol)) {
            return new Status(ntol, false);
        }
        return new Status(Math.min(ntol, maxBelow(planning, ntol)), true);
    }

    static int max(PlanningPool pool) {
        return maxBelow(pool, pool.hostCount() + 1);
    }

    /** The largest r in [0, bound) with a plan (0 if none, as xapi reports). */
    private static int maxBelow(PlanningPool pool, int bound) {
        int lo = 0; // a plan exists for lo, or lo is 0
        int hi = bound; // no plan for hi
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (planExists(pool, mid)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static boolean planExists(PlanningPool pool, int failures) {
        return planExists(pool, failures, useExhaustive(pool.hostCount(), failures));
    }

    /** Whether xapi's exhaustive search applies: {@code n ≤ 32} and {@code C(n,r)·r! < 3500}. */
    static boolean useExhaustive(int n, int r) {
        if (n > EXHAUSTIVE_MAX_HOSTS) {
            return false;
        }
        long sequences = 1; // n·(n-1)·…·(n-r+1) = C(n,r)·r!
        for (int i = 0; i < r; i++) {
            sequences *= n - i;
            if (sequences >= EXHAUSTIVE_MAX_SEQUENCES) {
                return false;
            }
        }
        return true;
    }

    /** The check with the heuristic chosen by the caller (tests compare both). */
    static boolean planExists(PlanningPool pool, int failures, boolean exhaustive) {
        if (failures < 0) {
            return false;
        }
        long[] free = pool.free.clone();
        int[] at = pool.placement.clone();
        // Protected VMs not running now come first: without a home for them there is no plan at all.
        for (int v = 0; v < pool.vms.length; v++) {
            if (at[v] == PlanningPool.UNPLACED) {
                int host = PlanningPool.placeVm(pool.vms[v], free, pool.target);
                if (host < 0) {
                    return false;
                }
                free[host] -= pool.vms[v].memory();
                at[v] = host;
            }
        }
        int n = pool.hostCount();
        if (failures == 0) {
            return true;
        }
        if (n < failures || (n == failures && pool.vms.length > 0)) {
            return false;
        }
        if (pool.vms.length == 0) {
            return true;
        }
        return exhaustive
                ? new Exhaustive(pool, failures).survives(free, at, alive(pool), 0)
                : approximate(pool, failures, free, at);
    }

    private static boolean[] alive(PlanningPool pool) {
        boolean[] alive = new boolean[pool.hostCount()];
        Arrays.fill(alive, true);
        return alive;
    }

    /** Depth-first over every failure sequence, sharing each prefix's state. */
    private static final class Exhaustive {
        private final PlanningPool pool;
        private final int failures;

        Exhaustive(PlanningPool pool, int failures) {
            this.pool = pool;
            this.failures = failures;
        }

        boolean survives(long[] free, int[] at, boolean[] alive, int depth) {
            if (depth == failures) {
                return true;
            }
            for (int h = 0; h < alive.length; h++) {
                if (!alive[h]) {
                    continue;
                }
                long[] nextFree = free.clone();
                int[] nextAt = at.clone();
                boolean[] nextAlive = alive.clone();
                nextAlive[h] = false;
                boolean[] usable = new boolean[alive.length];
                for (int i = 0; i < usable.length; i++) {
                    usable[i] = nextAlive[i] && pool.target[i];
                }
                // pool.vms is in plan order, so the failed host's VMs restart in the restart planner's order.
                for (int v = 0; v < nextAt.length; v++) {
                    if (nextAt[v] != h) {
                        continue;
                    }
                    int to = PlanningPool.placeVm(pool.vms[v], nextFree, usable);
                    if (to < 0) {
                        return false;
                    }
                    nextFree[to] -= pool.vms[v].memory();
                    nextAt[v] = to;
                }
                if (!survives(nextFree, nextAt, nextAlive, depth + 1)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static boolean approximate(PlanningPool pool, int failures, long[] free, int[] at) {
        long biggest = 0;
        int[] perHost = new int[pool.hostCount()];
        for (int v = 0; v < pool.vms.length; v++) {
            PlanningPool.PlanVm vm = pool.vms[v];
            biggest = Math.max(biggest, vm.memory());
            perHost[at[v]]++;
            for (int h = 0; h < pool.hostCount(); h++) {
                if (pool.target[h] && !vm.fits().get(h)) {
                    return false; // not agile: the slot count below would not hold for it
                }
            }
        }
        // The most VMs r failures can hit: the r fullest hosts.
        int[] counts = perHost.clone();
        Arrays.sort(counts);
        long failing = 0;
        for (int i = 0; i < failures; i++) {
            failing += counts[counts.length - 1 - i];
        }
        if (biggest == 0) {
            return true;
        }
        // The whole-VM slots left once the r roomiest enabled hosts are gone.
        List<Long> slots = new ArrayList<>();
        for (int h = 0; h < pool.hostCount(); h++) {
            if (pool.target[h]) {
                slots.add(Math.max(0, free[h]) / biggest);
            }
        }
        slots.sort(null);
        long capacity = 0;
        for (int i = 0; i < slots.size() - failures; i++) {
            capacity += slots.get(i);
        }
        return capacity >= failing;
    }
}
