package io.poolkeeper.core.ha;

import static io.poolkeeper.core.ha.PlanPool.host;
import static io.poolkeeper.core.ha.PlanPool.vm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.PoolState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failover plan: xapi's heuristic switch, trivial impossibility, failure sequences, bisection, the hypothetical
 * variant, and planner soundness (design I6) on seeded random pools.
 */
@Timeout(120)
class FailoverPlanTest {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverPlanTest.class);

    @Test
    void exhaustiveSearchOnlyWithinXapisBounds() {
        assertTrue(FailoverPlan.useExhaustive(32, 2)); // 992 sequences
        assertTrue(FailoverPlan.useExhaustive(16, 3)); // 3360
        assertFalse(FailoverPlan.useExhaustive(17, 3)); // 4080
        assertFalse(FailoverPlan.useExhaustive(33, 1));
        assertTrue(FailoverPlan.useExhaustive(3, 0));
    }

    @Test
    void trivialCases() {
        PlanPool empty = new PlanPool().host(1, 8).host(2, 8);
        assertTrue(FailoverPlan.planExists(empty.state(), 2), "no protected VM: even every host may fail");
        assertFalse(FailoverPlan.planExists(empty.state(), 3), "more failures than hosts");
        PlanPool one = new PlanPool().host(1, 8).host(2, 8).protectedVm(1, 1, 1);
        assertTrue(FailoverPlan.planExists(one.state(), 1));
        assertFalse(FailoverPlan.planExists(one.state(), 2), "every host fails: nowhere to restart");
        assertEquals(1, FailoverPlan.maxHostFailuresToTolerate(one.state()));
    }

    @Test
    void aVmRestartedOntoAHostThatFailsNextMustMoveAgain() {
        // h3 is the only host with room for h1's VM; once h3 fails too, neither VM fits on h2.
        PlanPool p = new PlanPool()
                .host(1, 4)
                .host(2, 4)
                .host(3, 8)
                .protectedVm(1, 4, 1)
                .protectedVm(2, 3, 3)
                .vm(3, 1, 2, HaRestartPriority.NONE, 0, 0);
        assertTrue(FailoverPlan.planExists(p.state(), 1));
        assertFalse(FailoverPlan.planExists(p.state(), 2));
        assertEquals(1, FailoverPlan.maxHostFailuresToTolerate(p.state()));
    }

    @Test
    void haltedProtectedVmsNeedAHomeBeforeAnyFailure() {
        PlanPool p = new PlanPool().host(1, 4).host(2, 4).protectedVm(1, 5, 0);
        assertFalse(FailoverPlan.planExists(p.state(), 0));
        assertEquals(0, FailoverPlan.maxHostFailuresToTolerate(p.state()));
    }

    @Test
    void statusRecordsMinOfNtolAndMaxAndOvercommit() {
        PlanPool p = new PlanPool()
                .host(1, 8)
                .host(2, 8)
                .host(3, 8)
                .protectedVm(1, 4, 1)
                .protectedVm(2, 4, 2);
        assertEquals(2, FailoverPlan.maxHostFailuresToTolerate(p.state()));
        assertEquals(
                new FailoverPlan.Status(1, false), FailoverPlan.status(p.ntol(1).state()));
        assertEquals(
                new FailoverPlan.Status(2, false), FailoverPlan.status(p.ntol(2).state()));
        assertEquals(
                new FailoverPlan.Status(2, true), FailoverPlan.status(p.ntol(3).state()));
    }

    @Test
    void hypotheticalProtectsExactlyTheVmsGivenWithRestart() {
        PlanPool p = new PlanPool()
                .host(1, 8)
                .host(2, 8)
                .host(3, 8)
                .protectedVm(1, 2, 1)
                .vm(2, 6, 2, HaRestartPriority.NONE, 0, 0)
                .vm(3, 2, 3, HaRestartPriority.NONE, 0, 0);
        assertEquals(2, FailoverPlan.maxHostFailuresToTolerate(p.state()));
        Map<VmId, HaRestartPriority> all = new TreeMap<>(Map.of(
                vm(1), HaRestartPriority.RESTART,
                vm(2), HaRestartPriority.RESTART,
                vm(3), HaRestartPriority.BEST_EFFORT));
        // Host 2's VM fails to host 1 (the tie's lowest id), then host 1 fails: 8 GiB for host 3's 6.
        assertEquals(1, FailoverPlan.hypotheticalMaxHostFailuresToTolerate(p.state(), all));
        assertEquals(
                3,
                FailoverPlan.hypotheticalMaxHostFailuresToTolerate(
                        p.state(), new TreeMap<>(Map.of(vm(1), HaRestartPriority.NONE))));
    }

    /**
     * Design I6: on seeded random pools, the approximation never says yes where the exhaustive search says no, and
     * the exhaustive answer for r is what simulating every failure sequence of length r through the restart planner
     * (on the pool state itself: the host dies, its VMs halt, the plan is applied) finds.
     */
    @Test
    void plansAreConfirmedBySimulatingEveryFailureSequence() {
        long seed = Long.getLong("planner.seed", System.nanoTime());
        LOG.info("planner property seed {} (rerun with -Dplanner.seed={})", seed, seed);
        Random random = new Random(seed);
        int approximateYes = 0;
        int exhaustiveYes = 0;
        for (int pool = 0; pool < 300; pool++) {
            PoolState state = randomPool(random);
            PlanningPool planning = PlanningPool.of(state, Vm::isProtected, vm -> false, Collections.emptySortedSet());
            for (int r = 0; r <= 3; r++) {
                boolean exhaustive = FailoverPlan.planExists(planning, r, true);
                boolean approximate = FailoverPlan.planExists(planning, r, false);
                String where = "seed " + seed + ", pool " + pool + ", r " + r;
                assertFalse(approximate && !exhaustive, "approximation claims a plan the search refutes: " + where);
                assertEquals(exhaustive, everySequenceSurvives(state, r), "simulation disagrees: " + where);
                approximateYes += approximate ? 1 : 0;
                exhaustiveYes += exhaustive ? 1 : 0;
            }
        }
        LOG.info("plans found: exhaustive {}, approximate {} (of 1200 checks)", exhaustiveYes, approximateYes);
        assertTrue(exhaustiveYes > 100 && exhaustiveYes < 1100, "the random pools exercise both answers");
    }

    private static PoolState randomPool(Random random) {
        PlanPool p = new PlanPool();
        int hosts = 2 + random.nextInt(4);
        for (int h = 1; h <= hosts; h++) {
            p.host(h, 4 + random.nextInt(13), true, random.nextInt(8) != 0, HostRole.VOTER);
        }
        List<Integer> onSr = new ArrayList<>();
        for (int h = 1; h <= hosts; h++) {
            if (random.nextInt(5) != 0) {
                onSr.add(h);
            }
        }
        p.sharedSr(1, onSr.stream().mapToInt(Integer::intValue).toArray());
        long[] free = new long[hosts + 1];
        for (int h = 1; h <= hosts; h++) {
            free[h] = p.state().hosts().get(host(h)).memoryTotal() / PlanPool.GIB;
        }
        int vms = random.nextInt(9);
        for (int v = 1; v <= vms; v++) {
            long gib = 1 + random.nextInt(6);
            int on = 1 + random.nextInt(hosts);
            if (free[on] < gib || random.nextInt(10) == 0) {
                on = 0;
            } else {
                free[on] -= gib;
            }
            HaRestartPriority priority = random.nextInt(3) == 0 ? HaRestartPriority.NONE : HaRestartPriority.RESTART;
            int affinity = random.nextInt(4) == 0 ? 1 + random.nextInt(hosts) : 0;
            p.vm(v, gib, on, priority, random.nextInt(2), affinity);
            if (random.nextInt(4) == 0) {
                p.disk(v, 1);
            }
        }
        return p.state();
    }

    /** Whether every sequence of {@code r} failures leaves every protected VM running, by simulation on the state. */
    private static boolean everySequenceSurvives(PoolState state, int r) {
        Optional<PoolState> settled = restartAll(state);
        if (settled.isEmpty()) {
            return false;
        }
        List<HostId> canFail = settled.get().hosts().values().stream()
                .filter(h -> h.live() && h.role().runsVms())
                .map(Host::uuid)
                .toList();
        boolean anyProtected = settled.get().vms().values().stream().anyMatch(Vm::isProtected);
        if (r > 0 && (canFail.size() < r || (canFail.size() == r && anyProtected))) {
            return false;
        }
        return survives(settled.get(), r);
    }

    private static boolean survives(PoolState state, int r) {
        if (r == 0) {
            return true;
        }
        for (Host host : state.hosts().values()) {
            if (!host.live() || !host.role().runsVms()) {
                continue;
            }
            PoolState failed = state.withHost(host.withLive(false));
            for (Vm vm : state.vms().values()) {
                if (vm.powerState().isLive() && vm.residentOn().equals(Optional.of(host.uuid()))) {
                    failed = failed.withVm(vm.settled(PowerState.HALTED, Optional.empty()));
                }
            }
            Optional<PoolState> next = restartAll(failed);
            if (next.isEmpty() || !survives(next.get(), r - 1)) {
                return false;
            }
        }
        return true;
    }

    /** The state with every Halted protected VM started where the restart planner puts it; empty if one has none. */
    private static Optional<PoolState> restartAll(PoolState state) {
        RestartPlan plan = RestartPlanner.plan(state);
        if (!plan.complete()) {
            return Optional.empty();
        }
        PoolState next = state;
        for (Map.Entry<VmId, HostId> e : plan.placements().entrySet()) {
            next = next.withVm(next.vms().get(e.getKey()).settled(PowerState.RUNNING, Optional.of(e.getValue())));
        }
        return Optional.of(next);
    }
}
