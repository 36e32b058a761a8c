package io.poolkeeper.ha;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.core.ha.RestartPlan;
import io.poolkeeper.core.ha.RestartPlanner;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which VMs the master's HA loop starts again, where, and when (DESIGN §6, "Restart"): protected VMs
 * ({@code ha-always-run} with priority restart) that are Halted, on the host {@link RestartPlanner} plans for each,
 * the lowest {@code order} group first — a group waits until every VM of the groups before it is running, or failed
 * its last start or has no host (it holds no group back for ever) —; then, once, the best-effort VMs a death halted,
 * if the plan finds them room.
 *
 * <p>A protected VM the plan cannot place gets one plain vm-start (xapi's fallback when the plan is incomplete) and a
 * {@code HA_PROTECTED_VM_RESTART_FAILED} alert (VM, reason code, reason parameters) on the event stream, once per VM
 * and reason; it is started as soon as a later plan places it (a host came back, another VM stopped).
 *
 * <p>Thread-safe.
 */
final class HaRestarts {
    private static final Logger LOG = LoggerFactory.getLogger(HaRestarts.class);

    private final HostId self;
    private final HaEnvironment env;
    private final Set<VmId> restarting = new HashSet<>();
    private final Set<VmId> bestEffort = new TreeSet<>();
    /** Protected VMs whose last start failed or that have no host: retried, but no longer holding groups back. */
    private final Set<VmId> failed = new HashSet<>();
    /** The reason last reported for each protected VM the plan could not place. */
    private final Map<VmId, ErrorCode> reported = new HashMap<>();

    HaRestarts(HostId self, HaEnvironment env) {
        this.self = self;
        this.env = env;
    }

    /** A death halted these VMs: the best-effort ones among them get one try once no protected VM waits. */
    synchronized void halted(Collection<VmId> vms) {
        bestEffort.addAll(vms);
    }

    /** Starts what should run now, given the master's copy of the pool. */
    synchronized void restart(PoolState state) {
        List<Vm> halted = state.vms().values().stream()
                .filter(vm -> vm.isProtected() && vm.powerState() == PowerState.HALTED)
                .toList();
        reported.keySet().retainAll(halted.stream().map(Vm::uuid).toList());
        if (halted.isEmpty() && bestEffort.isEmpty()) {
            return; // nothing to place: spare the plan (tens of ms at 10,000 VMs) at every housekeeping
        }
        RestartPlan plan = RestartPlanner.plan(state, new TreeSet<>(), new TreeSet<>(bestEffort));
        // A VM of the group being started still holds back the next group; one whose start failed does not.
        OptionalLong group = halted.stream()
                .filter(vm ->
                        !failed.contains(vm.uuid()) || vm.currentOperation().isPresent())
                .mapToLong(Vm::order)
                .min();
        halted.stream()
                .filter(vm -> vm.currentOperation().isEmpty()
                        && (failed.contains(vm.uuid()) || (group.isPresent() && vm.order() == group.getAsLong())))
                .sorted((a, b) -> a.uuid().compareTo(b.uuid()))
                .forEach(vm -> startProtected(vm.uuid(), plan));
        if (group.isPresent()) {
            return;
        }
        for (VmId id : List.copyOf(bestEffort)) {
            Vm vm = state.vms().get(id);
            bestEffort.remove(id);
            HostId host = plan.placements().get(id);
            if (vm != null
                    && host != null
                    && vm.powerState() == PowerState.HALTED
                    && vm.currentOperation().isEmpty()) {
                start(id, Optional.of(host), false);
            }
        }
    }

    private void startProtected(VmId vm, RestartPlan plan) {
        HostId host = plan.placements().get(vm);
        if (host != null) {
            reported.remove(vm);
            start(vm, Optional.of(host), true);
            return;
        }
        failed.add(vm);
        Rejection why = plan.unplaced().get(vm);
        if (why == null || reported.get(vm) == why.code()) {
            return; // already tried and reported: the next plan that finds it a host starts it
        }
        reported.put(vm, why.code());
        LOG.warn("host {}: HA cannot place protected VM {}: {}", self, vm, why.message());
        List<String> params = new ArrayList<>(List.of(vm.toString(), why.code().name()));
        params.addAll(why.params());
        env.propose(new Operation.PoolAlert(ErrorCode.HA_PROTECTED_VM_RESTART_FAILED, params))
                .exceptionally(e -> {
                    LOG.debug("raising HA_PROTECTED_VM_RESTART_FAILED failed: {}", e.toString());
                    synchronized (this) {
                        reported.remove(vm); // raised again next time
                    }
                    return null;
                });
        start(vm, Optional.empty(), true); // the planner may be stricter than the placement rules; one try
    }

    private void start(VmId vm, Optional<HostId> on, boolean protectedVm) {
        if (!restarting.add(vm)) {
            return;
        }
        LOG.info(
                "host {}: HA restarting {} VM {} on {}",
                self,
                protectedVm ? "protected" : "best-effort",
                vm,
                on.map(HostId::toString).orElse("any host"));
        env.restart(vm, on).whenComplete((started, error) -> {
            synchronized (this) {
                restarting.remove(vm);
                if (protectedVm && (error != null || !Boolean.TRUE.equals(started))) {
                    failed.add(vm);
                } else {
                    failed.remove(vm);
                }
            }
        });
    }
}
