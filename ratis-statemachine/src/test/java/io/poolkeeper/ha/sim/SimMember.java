package io.poolkeeper.ha.sim;

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
import io.poolkeeper.ha.HaEnvironment;
import io.poolkeeper.ha.HaMonitor;
import io.poolkeeper.ha.HaView;
import io.poolkeeper.ha.sim.Transcript.Kind;
import io.poolkeeper.port.HaBeat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * One host of an {@link HaWorld}: its member process (a real {@link HaMonitor}, ticking every
 * {@link HaMonitor#period()} of its own clock) and the {@link HaEnvironment} that monitor runs against. Its clock,
 * copy of the pool, Raft view and fenced flag are the world's to set; each effect is recorded, and takes
 * {@link Sim#COMMIT_LATENCY} (a VM start also the agent's time) before it commits and its future completes.
 *
 * <p>Faults, in the terms of a real host:
 *
 * <ul>
 *   <li>{@link #crash}: the whole host loses power. The member stops (no beat, no Raft) and its hypervisor's VMs stop.
 *       {@link #powerOn} boots it: the member starts from its persisted copy but, like a host xhad fenced, stays out
 *       (counted as fenced) until the master re-admits it.
 *   <li>{@link #restartMember}: only the member process dies and starts again from its persisted copy after a while,
 *       with a fresh HA monitor. The VMs keep running: nothing ties them to the process (no watchdog, see README), so
 *       a long restart during a cut lets the survivors restart VMs that still run.
 *   <li>{@link #pause}: the daemon is slow or frozen (Proxmox's skip-round): it does not tick or beat, and the beats
 *       that arrive meanwhile wait in its socket until it resumes.
 * </ul>
 *
 * Single-threaded: only the world's event loop calls it.
 */
final class SimMember implements HaEnvironment {
    final HaWorld world;
    final int index;
    final HostId id;
    final String name;
    final String address;
    final long offset;
    double rate;
    HaMonitor monitor;
    PoolState state;
    boolean master;
    List<HostId> voters = List.of();
    List<HostId> peers = List.of();
    long logTerm = 1;
    long logIndex;
    Ledger ledger = Ledger.EMPTY;
    /** Virtual time at which it fenced itself (or booted, awaiting re-admission), or -1. */
    long fencedAt = -1;
    /** Taken out of the Raft configuration by the master; back when re-admitted. */
    boolean removed;
    /**
     * Re-founding the pool: like a real member, it has left the old group and its new one holds no pool yet, so its
     * copy is empty and it is in no group until the founding completes.
     */
    boolean founding;

    private boolean powered = true;
    private boolean processUp;
    private int incarnation;
    private long pausedUntil = Long.MIN_VALUE;
    private final List<HaBeat> buffered = new ArrayList<>();
    private final Map<VmId, Kind> lastOutcome = new HashMap<>();

    long beatsSent;
    long lastBeatSent = -1;

    SimMember(HaWorld world, int index, HostId id, String name, long offset, double rate) {
        this.world = world;
        this.index = index;
        this.id = id;
        this.name = name;
        this.address = name + ":7000";
        this.offset = offset;
        this.rate = rate;
    }

    boolean fenced() {
        return fencedAt >= 0;
    }

    boolean powered() {
        return powered;
    }

    /** Powered, its member running and not fenced: it takes part in Raft and HA. */
    boolean reachable() {
        return powered && processUp && !fenced();
    }

    long generation() {
        return state.pool().map(p -> p.generation()).orElse(0L);
    }

    /** This member's clock at virtual time {@code real}. */
    long clockAt(long real) {
        return offset + (long) Math.floor(real * rate);
    }

    @Override
    public String toString() {
        return name;
    }

    // ------------------------------------------------------------------ lifecycle

    /** Starts the member process: a fresh monitor ticking from a random phase. */
    void startProcess() {
        processUp = true;
        int mine = ++incarnation;
        monitor = new HaMonitor(id, this, world.settings());
        double period = HaMonitor.period().toNanos() / rate;
        world.scheduler()
                .periodic(
                        world.now() + world.random().nextDouble() * period,
                        period,
                        () -> incarnation == mine && processUp,
                        this::tick);
    }

    private void tick() {
        if (world.now() < pausedUntil) {
            return;
        }
        if (!buffered.isEmpty()) {
            List<HaBeat> beats = List.copyOf(buffered);
            buffered.clear();
            beats.forEach(monitor::onBeat);
        }
        monitor.tick();
    }

    void crash() {
        powered = false;
        stopProcess();
        world.hypervisors().stopAll(index);
    }

    void powerOn() {
        if (powered) {
            return;
        }
        powered = true;
        if (!fenced()) {
            fencedAt = world.now();
        }
        startProcess();
    }

    void restartMember(long down) {
        if (!powered || !processUp) {
            return;
        }
        stopProcess();
        world.scheduler().after(down, () -> {
            if (powered && !processUp) {
                startProcess();
            }
        });
    }

    private void stopProcess() {
        processUp = false;
        founding = false;
        master = false;
        incarnation++;
        buffered.clear();
        pausedUntil = Long.MIN_VALUE;
    }

    void pause(long duration) {
        pausedUntil = Math.max(pausedUntil, world.now() + duration);
    }

    void deliver(HaBeat beat) {
        if (!processUp || fenced()) {
            return;
        }
        if (world.now() < pausedUntil) {
            buffered.add(beat);
        } else {
            monitor.onBeat(beat);
        }
    }

    /**
     * Runs {@code action} after {@code delay} if this member process is still the one that asked: the effects of a
     * process that died meanwhile never complete.
     */
    private void later(long delay, Runnable action) {
        int mine = incarnation;
        world.scheduler().after(delay, () -> {
            if (incarnation == mine) {
                action.run();
            }
        });
    }

    /** Takes the master's log: its state, position, configuration and writes. */
    void follow(SimMember leader) {
        state = leader.state;
        logTerm = leader.logTerm;
        logIndex = leader.logIndex;
        voters = leader.voters;
        peers = leader.peers;
        ledger = leader.ledger;
        master = false;
    }

    // ------------------------------------------------------------------ HaEnvironment

    @Override
    public long nanos() {
        return clockAt(world.now());
    }

    @Override
    public PoolState state() {
        return founding ? PoolState.empty() : state;
    }

    @Override
    public HaView view() {
        return new HaView(state(), !fenced() && !removed && !founding, master, voters, peers, logTerm, logIndex);
    }

    @Override
    public void send(String to, HaBeat beat) {
        beatsSent++;
        lastBeatSent = world.now();
        world.send(this, to, beat);
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
        world.hypervisors().stopAll(index);
    }

    @Override
    public CompletableFuture<List<VmId>> declareFenced(HostId host) {
        world.record(this, Kind.DECLARE, host);
        world.checker().mayDeclare(this, world.member(host), "declares dead");
        CompletableFuture<List<VmId>> done = new CompletableFuture<>();
        later(Sim.COMMIT_LATENCY, () -> {
            Optional<Result> result = world.raft().commit(this, new Operation.HostFenced(host));
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
        later(Sim.COMMIT_LATENCY, () -> {
            if (!master || !reachable()) {
                done.completeExceptionally(new IllegalStateException("not master"));
                return;
            }
            voters = without(voters, host);
            peers = without(peers, host);
            world.member(host).removed = true;
            world.raft().replicate(this);
            done.complete(null);
        });
        return done;
    }

    @Override
    public CompletableFuture<Boolean> restart(VmId vm, Optional<HostId> on) {
        world.record(this, lastOutcome.get(vm) == Kind.RESTART_FAILED ? Kind.RESTART_RETRY : Kind.RESTART, vm);
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        later(Sim.COMMIT_LATENCY, () -> {
            Optional<Result> placed = world.raft().commit(this, new Operation.VmStart(vm, on, false));
            if (placed.isEmpty()) {
                outcome(vm, Kind.RESTART_FAILED);
                done.complete(false);
                return;
            }
            HostId host = ((Result.Placed) placed.get()).host();
            SimMember target = world.member(host);
            later(world.agentStart, () -> {
                boolean started = target.powered() && !target.fenced();
                if (started) {
                    world.hypervisors().start(target.index, vm);
                }
                world.raft().commit(this, new Operation.VmCompleteOperation(vm, VmOperation.START, started));
                outcome(vm, started ? Kind.RUNNING : Kind.RESTART_FAILED);
                done.complete(started);
            });
        });
        return done;
    }

    @Override
    public CompletableFuture<Void> propose(Operation operation) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        later(Sim.COMMIT_LATENCY, () -> {
            if (world.raft().commit(this, operation).isEmpty()) {
                done.completeExceptionally(new IllegalStateException(operation.xeName() + " did not commit"));
            } else {
                done.complete(null);
            }
        });
        return done;
    }

    /** Records a start's outcome, a failure only when the last one was not already a failure (it is retried). */
    private void outcome(VmId vm, Kind kind) {
        if (kind == Kind.RUNNING || lastOutcome.get(vm) != kind) {
            world.record(this, kind, kind == Kind.RUNNING ? new Placement(vm, world.hostOf(vm)) : vm);
        }
        lastOutcome.put(vm, kind);
    }

    /** A VM and the host it runs on, for the transcript. */
    record Placement(VmId vm, int host) {}

    @Override
    public CompletableFuture<List<VmId>> refound(SortedSet<HostId> survivors, String why) {
        world.record(this, Kind.REFOUND, survivors);
        for (Host host : state.hosts().values()) {
            if (host.live() && !host.uuid().equals(id) && !survivors.contains(host.uuid())) {
                world.checker().mayDeclare(this, world.member(host.uuid()), "re-founds without");
            }
        }
        CompletableFuture<List<VmId>> done = new CompletableFuture<>();
        founding = true;
        later(world.refoundLatency, () -> {
            founding = false;
            if (!reachable()) {
                done.completeExceptionally(new IllegalStateException("down"));
                return;
            }
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
                if (world.raft().inContact(this, world.member(survivor))) {
                    group.add(survivor);
                }
            }
            voters = List.copyOf(group);
            peers = List.copyOf(group);
            world.checker().newMaster(this);
            world.checker().committed(this);
            world.raft().replicate(this);
            world.record(this, Kind.REFOUNDED, new TreeSet<>(group));
            done.complete(List.of());
        });
        return done;
    }

    @Override
    public CompletableFuture<List<VmId>> readmit(Host host) {
        world.record(this, Kind.READMIT, host.uuid());
        CompletableFuture<List<VmId>> done = new CompletableFuture<>();
        SimMember target = world.member(host.uuid());
        later(Sim.COMMIT_LATENCY, () -> {
            // It answers, and it is fenced, out of the configuration or of an older generation: reset it into this
            // generation (a fresh copy, back in the configuration, live again).
            boolean answers =
                    target.powered() && target.processUp && world.network().linked(index, target.index);
            boolean stale = target.fenced() || target.removed || target.generation() < generation();
            if (world.resetOnReadmit && master && reachable() && answers && stale) {
                target.fencedAt = -1;
                target.removed = false;
                voters = with(voters, target.id);
                peers = with(peers, target.id);
                target.follow(this);
                world.raft().replicate(this);
                world.raft().commit(this, new Operation.HostSetLive(target.id, true));
                world.record(this, Kind.READMITTED, target.id);
            }
            done.complete(List.of());
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
