package io.poolkeeper.member;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a host's hypervisor runs held against what the pool records for that host, when its member starts or is
 * re-admitted (xapi's resynchronisation of a host's VMs at start-up). VMs with an operation in progress that involves
 * the host are left out: the operation itself decides them.
 *
 * @param unexpected VMs the hypervisor runs that the pool does not record as running here
 * @param missing VMs the pool records as running (or paused) here that the hypervisor does not run
 */
record AgentAudit(SortedSet<VmId> unexpected, SortedSet<VmId> missing) {
    static AgentAudit of(HostId self, PoolState state, Set<VmId> running) {
        SortedSet<VmId> unexpected = new TreeSet<>(running);
        SortedSet<VmId> missing = new TreeSet<>();
        for (Vm vm : state.vms().values()) {
            boolean involved = vm.currentOperation().isPresent()
                    && (vm.residentOn().equals(Optional.of(self))
                            || vm.scheduledToBeResidentOn().equals(Optional.of(self)));
            boolean here =
                    vm.residentOn().equals(Optional.of(self)) && vm.powerState().isLive();
            if (involved || here) {
                unexpected.remove(vm.uuid());
            }
            if (here && !involved && !running.contains(vm.uuid())) {
                missing.add(vm.uuid());
            }
        }
        return new AgentAudit(unexpected, missing);
    }

    /** The alerts that report it, one per VM, with ids that make a retry count once. */
    List<PoolCommand> alerts(HostId self, FencingToken token) {
        List<PoolCommand> alerts = new ArrayList<>();
        for (VmId vm : unexpected) {
            alerts.add(alert(ErrorCode.HOST_RUNS_UNEXPECTED_VM, "unexpected", self, vm, token));
        }
        for (VmId vm : missing) {
            alerts.add(alert(ErrorCode.HOST_MISSING_RUNNING_VM, "missing", self, vm, token));
        }
        return alerts;
    }

    private static PoolCommand alert(ErrorCode code, String kind, HostId self, VmId vm, FencingToken token) {
        return new PoolCommand(
                RequestIds.report(kind, self, vm, token),
                0,
                0,
                new Operation.PoolAlert(code, List.of(vm.toString(), self.toString())));
    }
}
