package io.poolkeeper.core;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.Vm;
import java.util.Optional;

/**
 * Who is in the pool and with which role. The replicated roles are the truth the runtime makes Raft's configuration
 * follow: when a voter leaves, the first listener (lowest id) is promoted so the pool keeps its voters.
 */
final class Membership {
    private Membership() {}

    /** The role a new host gets: voter (or the witness it asked to be) while voters are below the maximum. */
    static Optional<HostRole> roleForJoiner(PoolState state, boolean witness) {
        boolean roomForVoter = state.voterCount() < state.requirePool().maxVoters();
        if (witness) {
            return roomForVoter ? Optional.of(HostRole.WITNESS) : Optional.empty();
        }
        return Optional.of(roomForVoter ? HostRole.VOTER : HostRole.LISTENER);
    }

    /**
     * Removes a host with everything that refers to it: its PBDs, and VM affinities to it (a hint, cleared rather
     * than left dangling). Callers have already dealt with the VMs running there.
     */
    static PoolState remove(PoolState state, HostId host) {
        Host removed = state.hosts().get(host);
        PoolState next = state.withoutHost(host);
        for (Pbd pbd : state.pbds().values()) {
            if (pbd.host().equals(host)) {
                next = next.withoutPbd(pbd.uuid());
            }
        }
        for (Vm vm : state.vms().values()) {
            if (vm.affinity().equals(Optional.of(host))) {
                next = next.withVm(vm.withParams(
                        vm.nameLabel(),
                        Optional.empty(),
                        vm.memory(),
                        vm.vcpus(),
                        vm.haRestartPriority(),
                        vm.haAlwaysRun(),
                        vm.order()));
            }
        }
        if (removed.role().votes()) {
            next = promoteListener(next);
        }
        return next;
    }

    private static PoolState promoteListener(PoolState state) {
        if (state.voterCount() >= state.requirePool().maxVoters()) {
            return state;
        }
        return state.firstListener()
                .map(listener -> state.withHost(new Host(
                        listener.uuid(),
                        listener.nameLabel(),
                        listener.address(),
                        listener.enabled(),
                        listener.live(),
                        listener.memoryTotal(),
                        HostRole.VOTER)))
                .orElse(state);
    }
}
