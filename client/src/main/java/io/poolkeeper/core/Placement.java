package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.Vm;
import java.util.Comparator;
import java.util.Optional;

/**
 * Where a VM may run (xapi's {@code assert_can_boot_here}, reduced to what the pool records): the host is live,
 * enabled, not a witness, has the VM's memory free, and has every SR holding the VM's disks attached.
 */
final class Placement {
    private Placement() {}

    /** Why {@code vm} cannot start on {@code host}, or empty if it can. Checks in xapi's order. */
    static Optional<Rejection> refusal(PoolState state, Vm vm, Host host) {
        if (!host.live()) {
            return Optional.of(Rejection.of(ErrorCode.HOST_OFFLINE, host.uuid()));
        }
        if (!host.enabled()) {
            return Optional.of(Rejection.of(ErrorCode.HOST_DISABLED, host.uuid()));
        }
        if (!host.role().runsVms()) {
            return Optional.of(Rejection.of(ErrorCode.HOST_IS_WITNESS, host.uuid()));
        }
        long free = state.freeMemory(host);
        if (free < vm.memory()) {
            return Optional.of(Rejection.of(ErrorCode.HOST_NOT_ENOUGH_FREE_MEMORY, host.uuid(), vm.memory(), free));
        }
        for (SrId sr : state.srsOf(vm.uuid())) {
            if (!state.isAttached(sr, host.uuid())) {
                return Optional.of(Rejection.of(ErrorCode.VM_REQUIRES_SR, vm.uuid(), sr));
            }
        }
        return Optional.empty();
    }

    /**
     * A host for {@code vm} other than {@code excluded}: its affinity host if that fits, else the fitting host with
     * the most free memory, the lowest id on a tie. Empty if none fits.
     */
    static Optional<HostId> choose(PoolState state, Vm vm, Optional<HostId> excluded) {
        Optional<Host> preferred = vm.affinity()
                .filter(id -> !excluded.equals(Optional.of(id)))
                .map(id -> state.hosts().get(id))
                .filter(host -> refusal(state, vm, host).isEmpty());
        if (preferred.isPresent()) {
            return preferred.map(Host::uuid);
        }
        return state.hosts().values().stream()
                .filter(host -> !excluded.equals(Optional.of(host.uuid())))
                .filter(host -> refusal(state, vm, host).isEmpty())
                .min(Comparator.comparingLong((Host host) -> -state.freeMemory(host))
                        .thenComparing(Host::uuid))
                .map(Host::uuid);
    }

    /**
     * The host {@code vm} goes to: {@code on} if given and fitting, else a chosen one. A refusal when {@code on} does
     * not exist or does not fit, or when no host fits.
     */
    static Placed place(PoolState state, Vm vm, Optional<HostId> on, Optional<HostId> excluded) {
        if (on.isPresent()) {
            Host host = state.hosts().get(on.get());
            if (host == null) {
                return Placed.refused(Rejection.of(ErrorCode.HANDLE_INVALID, "host", on.get()));
            }
            return refusal(state, vm, host).map(Placed::refused).orElseGet(() -> Placed.on(host.uuid()));
        }
        return choose(state, vm, excluded)
                .map(Placed::on)
                .orElseGet(() -> Placed.refused(Rejection.of(ErrorCode.NO_HOSTS_AVAILABLE, vm.uuid())));
    }

    /** A placement: a host, or why there is none. Exactly one is present. */
    record Placed(Optional<HostId> host, Optional<Rejection> refusal) {
        static Placed on(HostId host) {
            return new Placed(Optional.of(host), Optional.empty());
        }

        static Placed refused(Rejection rejection) {
            return new Placed(Optional.empty(), Optional.of(rejection));
        }
    }
}
