package io.poolkeeper.core.ha;

import static io.poolkeeper.core.ha.PlanPool.host;
import static io.poolkeeper.core.ha.PlanPool.vm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.VmId;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The restart planner: order groups, biggest-fit-decreasing, affinity, SRs, unusable hosts, best-effort, reasons. */
@Timeout(60)
class RestartPlannerTest {

    private static Map<VmId, HostId> placements(Object... vmHost) {
        Map<VmId, HostId> out = new TreeMap<>();
        for (int i = 0; i < vmHost.length; i += 2) {
            out.put(vm((Integer) vmHost[i]), host((Integer) vmHost[i + 1]));
        }
        return out;
    }

    @Test
    void lowerOrderGroupsComeFirstAndTakeTheRoom() {
        PlanPool p = new PlanPool()
                .host(1, 8)
                .vm(1, 3, 0, HaRestartPriority.RESTART, 1, 0)
                .vm(2, 4, 0, HaRestartPriority.RESTART, 0, 0)
                .vm(3, 2, 0, HaRestartPriority.RESTART, 0, 0);
        RestartPlan plan = RestartPlanner.plan(p.state());
        assertEquals(placements(2, 1, 3, 1), plan.placements());
        assertEquals(Set.of(vm(1)), plan.unplaced().keySet());
        assertEquals(
                ErrorCode.HOST_NOT_ENOUGH_FREE_MEMORY,
                plan.unplaced().get(vm(1)).code());
        assertFalse(plan.complete());
    }

    @Test
    void biggestVmFirstOnTheHostWithTheMostRoom() {
        // Smallest first would put the 3 GiB VM on the 5 GiB host and leave the 5 GiB VM nowhere.
        PlanPool p = new PlanPool().host(1, 5).host(2, 3).protectedVm(1, 3, 0).protectedVm(2, 5, 0);
        RestartPlan plan = RestartPlanner.plan(p.state());
        assertEquals(placements(1, 2, 2, 1), plan.placements());
        assertTrue(plan.complete());
    }

    @Test
    void affinityIsPreferredWhenItFits() {
        PlanPool p = new PlanPool()
                .host(1, 16)
                .host(2, 4)
                .vm(1, 2, 0, HaRestartPriority.RESTART, 0, 2)
                .vm(2, 8, 0, HaRestartPriority.RESTART, 0, 2);
        RestartPlan plan = RestartPlanner.plan(p.state());
        // VM 2 (biggest, first) does not fit on its affinity host; VM 1 does.
        assertEquals(placements(1, 2, 2, 1), plan.placements());
    }

    @Test
    void everySrOfTheVmMustBeAttachedOnTheTarget() {
        PlanPool p = new PlanPool()
                .host(1, 16)
                .host(2, 4)
                .sharedSr(1, 1, 2)
                .sharedSr(2, 2)
                .sharedSr(3)
                .protectedVm(1, 2, 0)
                .disk(1, 1)
                .disk(1, 2)
                .protectedVm(2, 2, 0)
                .disk(2, 3);
        RestartPlan plan = RestartPlanner.plan(p.state());
        assertEquals(placements(1, 2), plan.placements());
        assertEquals(ErrorCode.VM_REQUIRES_SR, plan.unplaced().get(vm(2)).code());
        assertEquals(
                PlanPool.sr(3).toString(), plan.unplaced().get(vm(2)).params().get(1));
    }

    @Test
    void deadDisabledAndWitnessHostsAreNeverUsed() {
        PlanPool p = new PlanPool()
                .host(1, 64, false, true, HostRole.VOTER)
                .host(2, 64, true, false, HostRole.VOTER)
                .host(3, 64, true, true, HostRole.WITNESS)
                .host(4, 2)
                .protectedVm(1, 2, 0)
                .protectedVm(2, 1, 0);
        RestartPlan plan = RestartPlanner.plan(p.state());
        assertEquals(placements(1, 4), plan.placements());
        assertEquals(
                ErrorCode.HOST_NOT_ENOUGH_FREE_MEMORY,
                plan.unplaced().get(vm(2)).code());

        PlanPool none = new PlanPool().host(1, 64, true, false, HostRole.VOTER).protectedVm(1, 1, 0);
        assertEquals(
                ErrorCode.NO_HOSTS_AVAILABLE,
                RestartPlanner.plan(none.state()).unplaced().get(vm(1)).code());
    }

    @Test
    void hypotheticalFailuresRestartTheFailedHostsVmsElsewhere() {
        PlanPool p = new PlanPool()
                .host(1, 8)
                .host(2, 8)
                .host(3, 4)
                .protectedVm(1, 4, 1)
                .protectedVm(2, 4, 1)
                .protectedVm(3, 2, 2)
                .vm(4, 1, 1, HaRestartPriority.NONE, 0, 0);
        RestartPlan plan = RestartPlanner.plan(p.state(), new TreeSet<>(Set.of(host(1))), new TreeSet<>());
        // 4 GiB VMs by id: the first to host 2 (6 free), the second to host 3 (4 free, more than host 2's 2).
        assertEquals(placements(1, 2, 2, 3), plan.placements());
        assertTrue(plan.complete());
    }

    @Test
    void bestEffortVmsGetOnlyTheRoomLeftAndOnlyWhenAsked() {
        PlanPool p = new PlanPool()
                .host(1, 6)
                .vm(1, 4, 0, HaRestartPriority.BEST_EFFORT, 0, 0)
                .vm(2, 2, 0, HaRestartPriority.BEST_EFFORT, 0, 0)
                .protectedVm(3, 3, 0);
        RestartPlan plan = RestartPlanner.plan(p.state(), new TreeSet<>(), new TreeSet<>(Set.of(vm(1), vm(2))));
        assertEquals(placements(2, 1, 3, 1), plan.placements());
        assertEquals(Set.of(vm(1)), plan.unplaced().keySet());
        assertEquals(placements(3, 1), RestartPlanner.plan(p.state()).placements());
    }
}
