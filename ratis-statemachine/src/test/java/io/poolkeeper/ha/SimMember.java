package io.poolkeeper.ha;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Result;
import io.poolkeeper.core.Transition;
import io.poolkeeper.ha.HaWorld.Kind;
import io.poolkeeper.port.HaBeat;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * One member of an {@link HaWorld}: its {@link HaMonitor} and the {@link HaEnvironment} that monitor runs against.
 * Its clock, copy of the pool, Raft view and fenced flag are the world's to set; each effect is recorded, and takes
 * {@link HaWorld#COMMIT_LATENCY} (a VM start also the agent's time) before it commits and its future completes.
 * Single-threaded: only the world's event loop calls it.
 */
final class SimMember implements HaEnvironment {
    private static final long REFOUND_LATENCY = 100 * HaWorld.MS;

    final HaWorld world;
    final int index;
    final HostId id;
    final String address;
    final long offset;
    final double rate;
    final HaMonitor monitor;
    PoolState state;
    boolean master;
    List<HostId> voters = List.of();
    List<HostId> peers = List.of();
    long logTerm = 1;
    long logIndex;
    /** Virtual time at which it fenced itself (cleared when re-admitted), or -1. */
    long fencedAt = -1;

    long beatsSent;
    long lastBeatSent = -1;

    SimMember(HaWorld world, int index, HostId id, String address, long offset, double rate) {
        this.world = world;
        this.index = index;
        this.id = id;
        this.address = address;
        this.offset = offset;
        this.rate = rate;
        this.monitor = new HaMonitor(id, this, world.settings);
    }

    boolean fenced() {
        return fencedAt >= 0;
    }

    /** This member's clock at virtual time {@code real}. */
    long clockAt(long real) {
        return offset + (long) Math.floor(real * rate);
    }

    @Override
    public String toString() {
        return "h" + index;
    }

    @Override
    public long nanos() {
        return clockAt(world.now());
    }

    @Override
    public PoolState state() {
        return state;
    }

    @Override
    public HaView view() {
        return new HaView(state, !fenced(), master, voters, peers, logTerm, logIndex);
    }

    @Override
    public void send(String address, HaBeat beat) {
        world.send(this, address, beat);
    }

    @Override
    public void selfFence(String why) {
        if (fenced()) {
            world.violation(this + " fenced twice");
            return;
        }
        fencedAt = world.now();
        master = false;
        world.record(this, Kind.SELF_FENCE, id);
        world.hypervisorStopAll(id);
    }

    @Override
    public CompletableFuture<List<VmId>> declareFenced(HostId host) {
        world.record(this, Kind.DECLARE, host);
        if (!world.member(host).fenced()) {
            world.violation(this + " declares " + world.member(host) + " fenced while it runs");
        }
        CompletableFuture<List<VmId>> done = new CompletableFuture<>();
        world.after(HaWorld.COMMIT_LATENCY, () -> {
            Optional<Result> result = world.commit(this, new Operation.HostFenced(host));
            if (result.isEmpty()) {
                done.completeExceptionally(new IllegalStateException("host-fenced " + host + " did not commit"));
                return;
            }
            world.record(this, Kind.DECLARED, host);
            done.complete(result.get() instanceof Result.VmsHalted halted ? halted.vms() : List.of());
        });
        return done;
    }

    @Override
    public CompletableFuture<Void> removeVoter(HostId host) {
        world.record(this, Kind.REMOVE_VOTER, host);
        CompletableFuture<Void> done = new CompletableFuture<>();
        world.after(HaWorld.COMMIT_LATENCY, () -> {
            if (!master) {
                done.completeExceptionally(new IllegalStateException("not master"));
                return;
            }
            voters = without(voters, host);
            peers = without(peers, host);
            world.replicate(this);
            done.complete(null);
        });
        return done;
    }

    @Override
    public CompletableFuture<Boolean> restart(VmId vm, Optional<HostId> on) {
        world.record(this, Kind.RESTART, vm);
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        world.after(HaWorld.COMMIT_LATENCY, () -> {
            Optional<Result> placed = world.commit(this, new Operation.VmStart(vm, on, false));
            if (placed.isEmpty()) {
                done.complete(false);
                return;
            }
            HostId host = ((Result.Placed) placed.get()).host();
            world.after(world.agentStart, () -> {
                boolean started = !world.member(host).fenced();
                if (started) {
                    world.hypervisorStart(vm, host);
                }
                world.commit(this, new Operation.VmCompleteOperation(vm, VmOperation.START, started));
                if (started) {
                    world.record(this, Kind.RUNNING, vm);
                }
                done.complete(started);
            });
        });
        return done;
    }

    @Override
    public CompletableFuture<Void> propose(Operation operation) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        world.after(HaWorld.COMMIT_LATENCY, () -> {
            if (world.commit(this, operation).isEmpty()) {
                done.completeExceptionally(new IllegalStateException(operation.xeName() + " did not commit"));
            } else {
                done.complete(null);
            }
        });
        return done;
    }

    @Override
    public CompletableFuture<Void> refound(SortedSet<HostId> survivors, String why) {
        world.record(this, Kind.REFOUND, survivors);
        for (Host host : state.hosts().values()) {
            if (host.live() && !host.uuid().equals(id) && !survivors.contains(host.uuid())) {
                if (!world.member(host.uuid()).fenced()) {
                    world.violation(this + " re-founds while " + world.member(host.uuid()) + " (outside) runs");
                }
            }
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        world.after(REFOUND_LATENCY, () -> {
            long generation = state.requirePool().generation() + 1;
            Outcome outcome = Transition.apply(
                    PoolState.empty(),
                    PoolCommand.of(new Operation.PoolImport(state, generation, id)),
                    new ApplyContext(1));
            if (!(outcome instanceof Outcome.Applied applied)) {
                done.completeExceptionally(new IllegalStateException("pool-import refused: " + outcome));
                return;
            }
            state = applied.next();
            logTerm = 1;
            logIndex = 1;
            master = true;
            List<HostId> group = new ArrayList<>(List.of(id));
            for (HostId survivor : survivors) {
                if (world.inContact(this, world.member(survivor))) {
                    group.add(survivor);
                }
            }
            voters = List.copyOf(group);
            peers = List.copyOf(group);
            world.replicate(this);
            world.record(this, Kind.REFOUNDED, new TreeSet<>(group));
            done.complete(null);
        });
        return done;
    }

    @Override
    public CompletableFuture<Void> readmit(Host host) {
        world.record(this, Kind.READMIT, host.uuid());
        CompletableFuture<Void> done = new CompletableFuture<>();
        SimMember target = world.member(host.uuid());
        world.after(HaWorld.COMMIT_LATENCY, () -> {
            // It answers, and it is fenced: reset it into this generation (a fresh copy, back in the configuration,
            // live again).
            if (world.resetOnReadmit && master && target.fenced() && world.linked(this, target)) {
                target.fencedAt = -1;
                voters = with(voters, target.id);
                peers = with(peers, target.id);
                world.replicate(this);
                world.commit(this, new Operation.HostSetLive(target.id, true));
                world.record(this, Kind.READMITTED, target.id);
            }
            done.complete(null);
        });
        return done;
    }

    private static List<HostId> without(List<HostId> hosts, HostId host) {
        List<HostId> out = new ArrayList<>(hosts);
        out.remove(host);
        return List.copyOf(out);
    }

    private static List<HostId> with(List<HostId> hosts, HostId host) {
        List<HostId> out = new ArrayList<>(hosts);
        if (!out.contains(host)) {
            out.add(host);
        }
        return List.copyOf(out);
    }
}
