package io.poolkeeper.core.ha;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Sr;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.PoolState;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Builds pool states for the planner tests directly from records (the planner reads records only; the rules that
 * produce them are tested elsewhere). Memory in GiB units of 1.
 */
final class PlanPool {
    static final long GIB = 1L << 30;

    private PoolState state = PoolState.empty()
            .withPool(Pool.created(new PoolId(UUID.fromString("00000000-0000-0000-0000-0000000000aa")), "p", 5));
    private int nextId = 1;

    static HostId host(int n) {
        return new HostId(id(1, n));
    }

    static VmId vm(int n) {
        return new VmId(id(2, n));
    }

    static SrId sr(int n) {
        return new SrId(id(3, n));
    }

    private static UUID id(int kind, int n) {
        return UUID.fromString(String.format("%08d-0000-0000-0000-%012d", kind, n));
    }

    PoolState state() {
        return state;
    }

    PlanPool host(int n, long gib) {
        return host(n, gib, true, true, HostRole.VOTER);
    }

    PlanPool host(int n, long gib, boolean live, boolean enabled, HostRole role) {
        state = state.withHost(new Host(host(n), "h" + n, "h" + n + ":1", enabled, live, gib * GIB, role));
        return this;
    }

    /** A protected VM running on {@code on} (0: Halted). */
    PlanPool protectedVm(int n, long gib, int on) {
        return vm(n, gib, on, HaRestartPriority.RESTART, 0, 0);
    }

    /** A VM of {@code priority} (protected if restart), running on host {@code on} (0: Halted). */
    PlanPool vm(int n, long gib, int on, HaRestartPriority priority, long order, int affinity) {
        Optional<HostId> at = on == 0 ? Optional.empty() : Optional.of(host(on));
        state = state.withVm(new Vm(
                vm(n),
                "vm" + n,
                on == 0 ? PowerState.HALTED : PowerState.RUNNING,
                at,
                Optional.empty(),
                affinity == 0 ? Optional.empty() : Optional.of(host(affinity)),
                gib * GIB,
                1,
                priority,
                priority == HaRestartPriority.RESTART,
                order,
                Optional.empty()));
        return this;
    }

    /** A shared SR plugged on the given hosts. */
    PlanPool sharedSr(int n, int... pluggedOn) {
        state = state.withSr(new Sr(sr(n), "sr" + n, "nfs", true));
        for (int h : pluggedOn) {
            state = state.withPbd(new Pbd(new PbdId(id(4, nextId++)), sr(n), host(h), new TreeMap<>(), true));
        }
        return this;
    }

    /** A disk of {@code vm} on {@code sr}. */
    PlanPool disk(int vm, int sr) {
        VdiId vdi = new VdiId(id(5, nextId++));
        state = state.withVdi(new Vdi(vdi, sr(sr), "d", GIB))
                .withVbd(new Vbd(new VbdId(id(6, nextId++)), vm(vm), vdi, "xvda"));
        return this;
    }

    PlanPool ntol(int failures) {
        Pool pool = state.requirePool();
        state = state.withPool(pool.withHa(true, failures, false, pool.haTimeout()));
        return this;
    }
}
