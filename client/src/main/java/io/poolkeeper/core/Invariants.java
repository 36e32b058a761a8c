package io.poolkeeper.core;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.Vm;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The safety properties every reachable {@link PoolState} has (xapi's rules, DESIGN §9): checked after every step
 * by the tests and the simulator. Pure; returns the violations in a stable order, empty when the state is sound.
 */
public final class Invariants {
    private Invariants() {}

    public static List<String> violations(PoolState state) {
        List<String> out = new ArrayList<>();
        state.pool().ifPresent(pool -> checkPool(state, pool, out));
        for (Vm vm : state.vms().values()) {
            checkVm(state, vm, out);
        }
        for (Host host : state.hosts().values()) {
            long used = state.vmsUsing(host.uuid()).mapToLong(Vm::memory).sum();
            if (used > host.memoryTotal()) {
                out.add("host " + host.uuid() + " has " + used + " bytes of VMs but " + host.memoryTotal());
            }
        }
        for (Pbd pbd : state.pbds().values()) {
            if (!state.srs().containsKey(pbd.sr()) || !state.hosts().containsKey(pbd.host())) {
                out.add("PBD " + pbd.uuid() + " refers to a missing SR or host");
            }
        }
        for (Vdi vdi : state.vdis().values()) {
            if (!state.srs().containsKey(vdi.sr())) {
                out.add("VDI " + vdi.uuid() + " refers to missing SR " + vdi.sr());
            }
        }
        for (Vbd vbd : state.vbds().values()) {
            if (!state.vms().containsKey(vbd.vm()) || !state.vdis().containsKey(vbd.vdi())) {
                out.add("VBD " + vbd.uuid() + " refers to a missing VM or VDI");
            }
        }
        if (state.pool().isEmpty() && !state.hosts().isEmpty()) {
            out.add("hosts without a pool");
        }
        return out;
    }

    private static void checkPool(PoolState state, Pool pool, List<String> out) {
        pool.master().filter(m -> !state.hosts().containsKey(m)).ifPresent(m -> out.add("master " + m + " missing"));
        pool.defaultSr()
                .filter(sr -> !state.srs().containsKey(sr))
                .ifPresent(sr -> out.add("default SR " + sr + " missing"));
        if (state.voterCount() > pool.maxVoters()) {
            out.add(state.voterCount() + " voters exceed max " + pool.maxVoters());
        }
    }

    private static void checkVm(PoolState state, Vm vm, List<String> out) {
        if (vm.powerState().isLive()) {
            Optional<Host> host = vm.residentOn().map(id -> state.hosts().get(id));
            if (host.isEmpty()) {
                out.add("VM " + vm.uuid() + " is " + vm.powerState() + " but resides on no existing host");
            } else if (!host.get().role().runsVms()) {
                out.add("VM " + vm.uuid() + " runs on witness " + host.get().uuid());
            }
        } else if (vm.residentOn().isPresent()) {
            out.add("VM " + vm.uuid() + " is " + vm.powerState() + " but resides on "
                    + vm.residentOn().get());
        }
        for (Optional<HostId> ref : List.of(vm.scheduledToBeResidentOn(), vm.affinity())) {
            ref.filter(id -> !state.hosts().containsKey(id))
                    .ifPresent(id -> out.add("VM " + vm.uuid() + " refers to missing host " + id));
        }
        if (vm.scheduledToBeResidentOn().isPresent() && vm.currentOperation().isEmpty()) {
            out.add("VM " + vm.uuid() + " reserves a host with no operation in progress");
        }
    }
}
