package io.poolkeeper.examples.bench;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.member.MemberState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.testing.TestingPool;
import java.util.List;
import java.util.Optional;

/**
 * What the HA benchmark's poller sees after a cable is pulled: the first poll at which each milestone held (the
 * victim fenced, a new master among the survivors, the victim's death committed, the protected VMs running again on
 * a survivor). Read from the members' applied states and the simulated hypervisors, never through a write. One
 * polling thread; not thread-safe.
 */
final class HaWatch {
    /** The first poll at which a milestone held, on {@link System#nanoTime()}; 0 while it has not. */
    static final class Milestone {
        private long at;

        void reached(long now) {
            if (at == 0) {
                at = now;
            }
        }

        boolean isReached() {
            return at != 0;
        }

        /** Milliseconds after {@code cut}, NaN if not reached. */
        double millisAfter(long cut) {
            return at == 0 ? Double.NaN : (at - cut) / 1e6;
        }
    }

    private final TestingPool pool;
    private final int victim;
    private final HostId victimId;
    private final List<Integer> survivors;
    private final List<VmId> vms;
    private final boolean refounds;
    private final boolean masterLost;
    private final long generation;
    private final Milestone fenced = new Milestone();
    private final Milestone master = new Milestone();
    private final Milestone dead = new Milestone();
    private final Milestone firstVm = new Milestone();
    private final Milestone allVms = new Milestone();

    /**
     * @param refounds whether the survivors must re-found the pool (a new master is one of a newer generation)
     * @param masterLost whether the victim was master (a new master is any surviving one)
     * @param generation the survivors' generation before the cut
     */
    HaWatch(
            TestingPool pool,
            int victim,
            List<Integer> survivors,
            List<VmId> vms,
            boolean refounds,
            boolean masterLost,
            long generation) {
        this.pool = pool;
        this.victim = victim;
        this.victimId = pool.host(victim);
        this.survivors = List.copyOf(survivors);
        this.vms = List.copyOf(vms);
        this.refounds = refounds;
        this.masterLost = masterLost;
        this.generation = generation;
    }

    /** Looks once; returns whether every protected VM runs on a survivor. */
    boolean poll(long now) {
        if (pool.member(victim).state() == MemberState.FENCED) {
            fenced.reached(now);
        }
        Optional<RatisPoolMember> m = survivingMaster();
        if (m.isEmpty()) {
            return false;
        }
        if (refounds ? m.get().generation() > generation : masterLost) {
            master.reached(now);
        }
        PoolState state = m.get().applied().state();
        Host host = state.hosts().get(victimId);
        if (host != null && !host.live()) {
            dead.reached(now);
        }
        long running = vms.stream().filter(vm -> runsOnSurvivor(state, vm)).count();
        if (running > 0) {
            firstVm.reached(now);
        }
        if (running == vms.size()) {
            allVms.reached(now);
        }
        return allVms.isReached();
    }

    Milestone fenced() {
        return fenced;
    }

    Milestone master() {
        return master;
    }

    Milestone dead() {
        return dead;
    }

    Milestone firstVm() {
        return firstVm;
    }

    Milestone allVms() {
        return allVms;
    }

    /** The survivor that is master and whose own applied state says so, if exactly one is. */
    private Optional<RatisPoolMember> survivingMaster() {
        List<RatisPoolMember> masters = survivors.stream()
                .filter(i -> pool.member(i).state() == MemberState.MASTER
                        && pool.member(i).applied().state().isMaster(pool.host(i)))
                .map(pool::member)
                .toList();
        return masters.size() == 1 ? Optional.of(masters.get(0)) : Optional.empty();
    }

    /** Running on a survivor in {@code state}, and that survivor's hypervisor lists it. */
    private boolean runsOnSurvivor(PoolState state, VmId id) {
        Vm vm = state.vms().get(id);
        if (vm == null
                || vm.powerState() != PowerState.RUNNING
                || vm.residentOn().isEmpty()) {
            return false;
        }
        int on = pool.indexOf(vm.residentOn().get());
        return survivors.contains(on) && pool.hypervisor(on).listRunning().contains(id);
    }

    /** Each member's state, generation and view of the victim and the VMs, and what each hypervisor runs. */
    String describe() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pool.size(); i++) {
            RatisPoolMember m = pool.member(i);
            PoolState state = m.applied().state();
            Host host = state.hosts().get(victimId);
            List<String> vmStates = vms.stream()
                    .map(id -> {
                        Vm vm = state.vms().get(id);
                        return vm == null
                                ? "?"
                                : vm.powerState()
                                        + vm.residentOn().map(h -> "@" + h).orElse("");
                    })
                    .toList();
            out.append(String.format(
                    "host%d %s gen %d armed %s victim live %s VMs %s runs %s; ",
                    i + 1,
                    m.state(),
                    m.generation(),
                    m.haArmed(),
                    host == null ? "?" : host.live(),
                    vmStates,
                    pool.hypervisor(i).listRunning()));
        }
        return out.toString();
    }
}
