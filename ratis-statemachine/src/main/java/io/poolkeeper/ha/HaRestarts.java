package io.poolkeeper.ha;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.PoolState;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which VMs the master's HA loop starts again, and when (DESIGN §6, "Restart"): protected VMs ({@code ha-always-run}
 * with priority restart) that are Halted, the lowest {@code order} group first — a group waits until every VM of the
 * groups before it is running, or failed its last start (no room, say: it is tried again each time, but holds no
 * group back for ever) —; then, once, the best-effort VMs a death halted, if there is room. Placement is the core's
 * (vm-start without a host).
 *
 * <p>Thread-safe.
 */
final class HaRestarts {
    private static final Logger LOG = LoggerFactory.getLogger(HaRestarts.class);

    private final HostId self;
    private final HaEnvironment env;
    private final Set<VmId> restarting = new HashSet<>();
    private final Set<VmId> bestEffort = new TreeSet<>();
    /** Protected VMs whose last start failed: retried, but no longer holding later groups back. */
    private final Set<VmId> failed = new HashSet<>();

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
                .forEach(vm -> start(vm.uuid(), true));
        if (group.isPresent()) {
            return;
        }
        for (VmId id : List.copyOf(bestEffort)) {
            Vm vm = state.vms().get(id);
            bestEffort.remove(id);
            if (vm != null
                    && vm.haRestartPriority() == HaRestartPriority.BEST_EFFORT
                    && vm.powerState() == PowerState.HALTED
                    && vm.currentOperation().isEmpty()) {
                start(id, false);
            }
        }
    }

    private void start(VmId vm, boolean protectedVm) {
        if (!restarting.add(vm)) {
            return;
        }
        LOG.info("host {}: HA restarting {} VM {}", self, protectedVm ? "protected" : "best-effort", vm);
        env.restart(vm).whenComplete((started, error) -> {
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
