package io.poolkeeper.ha.sim;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.TestJoinTokens;
import io.poolkeeper.core.Transition;
import io.poolkeeper.ha.HaSettings;
import io.poolkeeper.ha.sim.Transcript.Call;
import io.poolkeeper.ha.sim.Transcript.Kind;
import io.poolkeeper.port.HaBeat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A deterministic virtual-time pool of HA members (DESIGN §9.2): every host runs a real
 * {@link io.poolkeeper.ha.HaMonitor} (so the real fencer, partition detection, death declarations, re-founding,
 * restart planner and re-admission) against a {@link SimMember} environment, every member's copy of the pool is built
 * with the real core, and only Raft is modelled ({@link RaftModel}). The world wires the parts, each with one job:
 * {@link Scheduler} (time), {@link Network} (links), {@link RaftModel}, {@link Hypervisors} (ground truth),
 * {@link SafetyChecker} (invariants after every event) and {@link Transcript}.
 *
 * <p>Host i's monotonic clock reads {@code offset(i) + floor(t·rate(i))} at virtual time t. Single-threaded and
 * deterministic for a given seed.
 */
final class HaWorld {
    static final long MS = Sim.MS;
    static final long GIB = Sim.GIB;
    static final long RAFT_PERIOD = Sim.RAFT_PERIOD;
    private static final PoolId POOL = new PoolId(UUID.fromString("00000000-0000-4000-8000-0000000000aa"));

    /**
     * One host to create.
     *
     * @param name its name in scenarios and the transcript
     * @param id its UUID (the order of UUIDs decides ties)
     * @param memory its memory in bytes
     * @param witness whether it joins as a witness (votes, runs no VM)
     * @param rate its clock's rate
     */
    record HostSetup(String name, HostId id, long memory, boolean witness, double rate) {}

    private final Random random;
    private final HaSettings settings;
    private final Scheduler scheduler = new Scheduler();
    private final Network network;
    private final Hypervisors hypervisors;
    private final RaftModel raft = new RaftModel(this);
    private final SafetyChecker checker = new SafetyChecker(this);
    private final Transcript transcript = new Transcript();
    private final List<SimMember> members = new ArrayList<>();
    private final Map<HostId, SimMember> byId = new HashMap<>();
    private final Map<String, SimMember> byAddress = new HashMap<>();
    private final Map<VmId, String> vmNames = new HashMap<>();
    private int vms;
    /** How long a host agent takes to start a VM. */
    long agentStart = 50 * MS;
    /** Whether {@link SimMember#readmit} resets a fenced host that answers back into the pool. */
    boolean resetOnReadmit = true;
    /** How long the forced reconfiguration of DESIGN §5 takes, the founder out of every group meanwhile. */
    long refoundLatency = Sim.REFOUND_LATENCY;

    /** A pool of {@code hosts} (host i has the i-th lowest UUID), clock rates within {@code ±drift}, host 0 master. */
    HaWorld(long seed, int hosts, HaSettings settings, double drift) {
        this(seed, defaultHosts(seed, hosts, drift), settings, 0);
    }

    /** A pool of {@code hosts}, all links up, HA off, {@code master} master, a client writing every half second. */
    HaWorld(long seed, List<HostSetup> hosts, HaSettings settings, int master) {
        this.random = new Random(seed);
        this.settings = settings;
        this.network = new Network(hosts.size(), random);
        this.hypervisors = new Hypervisors(hosts.size());
        List<PoolCommand> genesis = new ArrayList<>();
        genesis.add(PoolCommand.of(new Operation.PoolCreate(POOL, "pool", spec(hosts.get(master)), 0)));
        genesis.add(TestJoinTokens.create());
        for (int i = 0; i < hosts.size(); i++) {
            if (i != master) {
                genesis.add(PoolCommand.of(TestJoinTokens.join(spec(hosts.get(i)))));
            }
        }
        PoolState state = PoolState.empty();
        for (int i = 0; i < genesis.size(); i++) {
            Outcome outcome = Transition.apply(state, genesis.get(i), new ApplyContext(i + 1));
            if (!(outcome instanceof Outcome.Applied applied)) {
                throw new IllegalArgumentException("pool setup refused: " + outcome);
            }
            state = applied.next();
        }
        List<HostId> all = hosts.stream().map(HostSetup::id).toList();
        for (int i = 0; i < hosts.size(); i++) {
            HostSetup h = hosts.get(i);
            SimMember member = new SimMember(this, i, h.id(), h.name(), random.nextLong(1_000_000 * MS), h.rate());
            member.state = state;
            member.logIndex = genesis.size();
            member.voters = all;
            member.peers = all;
            members.add(member);
            byId.put(h.id(), member);
            byAddress.put(member.address, member);
        }
        members.get(master).master = true;
        members.forEach(SimMember::startProcess);
        scheduler.periodic(RAFT_PERIOD, RAFT_PERIOD, () -> true, raft::period);
        scheduler.periodic(Sim.WRITE_PERIOD, Sim.WRITE_PERIOD, () -> true, raft::clientWrite);
        scheduler.observe(checker::afterEvent);
    }

    private static List<HostSetup> defaultHosts(long seed, int hosts, double drift) {
        Random rates = new Random(seed ^ 0x5eed);
        List<HostSetup> out = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            out.add(new HostSetup("h" + i, hostId(i), 16 * GIB, false, 1 + (2 * rates.nextDouble() - 1) * drift));
        }
        return out;
    }

    static HostId hostId(int i) {
        return new HostId(UUID.fromString(String.format("%08x-0000-4000-8000-000000000000", i + 1)));
    }

    private static Operation.HostSpec spec(HostSetup h) {
        return new Operation.HostSpec(h.id(), h.name(), h.name() + ":7000", h.memory(), h.witness());
    }

    // ------------------------------------------------------------------ parts

    Scheduler scheduler() {
        return scheduler;
    }

    Network network() {
        return network;
    }

    Hypervisors hypervisors() {
        return hypervisors;
    }

    RaftModel raft() {
        return raft;
    }

    SafetyChecker checker() {
        return checker;
    }

    Transcript transcript() {
        return transcript;
    }

    Random random() {
        return random;
    }

    HaSettings settings() {
        return settings;
    }

    // ------------------------------------------------------------------ access

    long now() {
        return scheduler.now();
    }

    SimMember member(int i) {
        return members.get(i);
    }

    SimMember member(HostId id) {
        SimMember m = byId.get(id);
        if (m == null) {
            throw new IllegalArgumentException("no member " + id);
        }
        return m;
    }

    List<SimMember> members() {
        return members;
    }

    List<Call> calls() {
        return transcript.calls();
    }

    List<Call> calls(Kind kind) {
        return transcript.calls(kind);
    }

    List<Call> calls(Kind kind, Object subject) {
        return transcript.calls(kind, subject);
    }

    List<String> violations() {
        return checker.violations();
    }

    /** The hosts whose hypervisor runs {@code vm} now. */
    Set<HostId> runningOn(VmId vm) {
        Set<HostId> out = new TreeSet<>();
        hypervisors.runningOn(vm).forEach(i -> out.add(members.get(i).id));
        return out;
    }

    /** The host whose hypervisor runs {@code vm} (the lowest if several), or -1. */
    int hostOf(VmId vm) {
        List<Integer> on = hypervisors.runningOn(vm);
        return on.isEmpty() ? -1 : on.get(0);
    }

    /** The member that is master now, if any. */
    Optional<SimMember> master() {
        return members.stream().filter(m -> m.master && m.reachable()).findFirst();
    }

    String name(VmId vm) {
        return vmNames.getOrDefault(vm, vm.toString());
    }

    /** A transcript subject by name: hosts and VMs by their names, sets as space-separated names. */
    String name(Object subject) {
        if (subject instanceof HostId h) {
            return member(h).name;
        } else if (subject instanceof VmId vm) {
            return name(vm);
        } else if (subject instanceof SimMember.Placement p) {
            return name(p.vm()) + " on " + (p.host() < 0 ? "nothing" : members.get(p.host()).name);
        } else if (subject instanceof Collection<?> c) {
            return String.join(" ", c.stream().map(this::name).toList());
        }
        return String.valueOf(subject);
    }

    String memberName(int i) {
        return i < 0 ? "world" : members.get(i).name;
    }

    void record(SimMember by, Kind kind, Object subject) {
        transcript.add(new Call(now(), by.index, kind, subject));
    }

    void violation(String what) {
        checker.violation(what);
    }

    // ------------------------------------------------------------------ setup

    /** A protected VM (priority restart) of {@code order}, 1 GiB, running on host {@code host}. */
    VmId protectedVm(int host, long order) {
        return vm("vm" + (vms + 1), host, HaRestartPriority.RESTART, order, GIB);
    }

    /** A VM committed by the master and running on host {@code host}. */
    VmId vm(String name, int host, HaRestartPriority priority, long order, long memory) {
        VmId vm = new VmId(UUID.fromString(String.format("00000050-0000-4000-8000-%012x", ++vms)));
        vmNames.put(vm, name);
        SimMember master = master().orElseThrow();
        setup(master, new Operation.VmCreate(vm, name, memory, 1, Optional.empty(), HaRestartPriority.NONE, 0));
        if (priority != HaRestartPriority.NONE) {
            setup(master, new Operation.VmParamSet(vm, "ha-restart-priority", priority.xapiName()));
        }
        setup(master, new Operation.VmParamSet(vm, "order", Long.toString(order)));
        setup(master, new Operation.VmStart(vm, Optional.of(members.get(host).id), false));
        setup(master, new Operation.VmCompleteOperation(vm, VmOperation.START, true));
        hypervisors.start(host, vm);
        return vm;
    }

    void enableHa(Duration timeout) {
        setup(master().orElseThrow(), new Operation.PoolHaEnable(timeout.toMillis()));
    }

    /** pool-ha-disable, applied to every member's copy (as if committed and replicated everywhere at once). */
    void disableHaEverywhere() {
        for (SimMember member : members) {
            Outcome outcome = Transition.apply(
                    member.state, PoolCommand.of(new Operation.PoolHaDisable()), new ApplyContext(member.logIndex + 1));
            member.state = ((Outcome.Applied) outcome).next();
            member.logIndex++;
        }
    }

    /** Makes host {@code i} master (a planned leadership transfer). */
    void designate(int i) {
        members.forEach(m -> m.master = false);
        raft.elect(members.get(i));
    }

    void setLog(int i, long term, long index) {
        members.get(i).logTerm = term;
        members.get(i).logIndex = index;
    }

    private void setup(SimMember master, Operation op) {
        if (raft.commit(master, op).isEmpty()) {
            throw new IllegalStateException("setup step refused: " + op);
        }
    }

    // ------------------------------------------------------------------ faults

    void link(int from, int to, boolean isUp) {
        network.set(from, to, isUp);
    }

    /** Cuts every link between the hosts of {@code a} and those of {@code b}, both ways. */
    void split(Collection<Integer> a, Collection<Integer> b) {
        for (int x : a) {
            for (int y : b) {
                network.set(x, y, false);
                network.set(y, x, false);
            }
        }
    }

    /** Cuts every link of host {@code i}, both ways (its cable is pulled). */
    void isolate(int i) {
        for (int j = 0; j < members.size(); j++) {
            network.set(i, j, false);
            network.set(j, i, false);
        }
    }

    void healAll() {
        network.healAll();
    }

    // ------------------------------------------------------------------ running

    void runUntil(long until) {
        scheduler.runUntil(until);
    }

    void runFor(Duration duration) {
        runUntil(now() + duration.toNanos());
    }

    void send(SimMember from, String address, HaBeat beat) {
        SimMember to = byAddress.get(address);
        if (to == null) {
            violation(from + " sent a beat to unknown address " + address);
            return;
        }
        if (!from.powered()) {
            return;
        }
        long transit = network.transit(from.index, to.index);
        if (transit >= 0) {
            scheduler.after(transit, () -> to.deliver(beat));
        }
    }
}
