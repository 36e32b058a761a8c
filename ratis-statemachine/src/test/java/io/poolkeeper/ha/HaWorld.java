package io.poolkeeper.ha;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Invariants;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Result;
import io.poolkeeper.core.Transition;
import io.poolkeeper.port.HaBeat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A deterministic virtual-time world of HA members, for tests: every member is a real {@link HaMonitor} whose
 * {@link HaEnvironment} is a {@link SimMember} of this world, and nothing else runs. What the world provides:
 *
 * <ul>
 *   <li><b>Time</b>: one real virtual time, in nanoseconds; member i's monotonic clock reads
 *       {@code offset(i) + floor(t·rate(i))}. Each member ticks its monitor every {@link HaMonitor#period()} of its
 *       own clock from a random phase.
 *   <li><b>Links</b>, one per direction. A beat leaves only over a link that is up when it is sent, arrives after
 *       a random transit, and is dropped if the target has fenced meanwhile.
 *   <li><b>A pool</b>: each member's own copy of a {@link PoolState} built with the real core
 *       ({@link Transition#apply}). A "Raft" that is simple on purpose: a commit applies an operation to the
 *       master's copy and hands the result (state, log position, configuration) to every peer in mutual contact
 *       with it, and needs a majority of the master's voters in contact. Every {@link #RAFT_PERIOD} a master without
 *       a majority steps down and, if none is left, the lowest-index member that reaches a majority of its voters is
 *       elected and records itself ({@link Operation.PoolSetMaster}).
 *   <li><b>Hypervisors</b>: which VMs actually run on which host, to check that no VM ever runs on two unfenced
 *       hosts (DESIGN §7).
 * </ul>
 *
 * <p>Every environment call is recorded ({@link Call}) with its virtual time; what must never happen (a death
 * declared before the host fenced, a re-founding while a host outside runs, a VM running twice, two masters, a
 * state breaking the core invariants) is collected in {@link #violations()} instead of being thrown, since the
 * monitor swallows exceptions from its environment. Single-threaded and deterministic for a given seed.
 */
final class HaWorld {
    static final long MS = 1_000_000L;
    static final long GIB = 1L << 30;
    static final long RAFT_PERIOD = 250 * MS;
    static final long MIN_TRANSIT = MS;
    static final long MAX_TRANSIT = 5 * MS;
    static final long COMMIT_LATENCY = 10 * MS;
    private static final PoolId POOL = new PoolId(UUID.fromString("00000000-0000-4000-8000-0000000000aa"));

    /** What a member asked of its environment, or what the world did for it. */
    enum Kind {
        SELF_FENCE,
        MASTER,
        DECLARE,
        DECLARED,
        REMOVE_VOTER,
        RESTART,
        RUNNING,
        REFOUND,
        REFOUNDED,
        READMIT,
        READMITTED
    }

    /** One recorded call: when (virtual time), by which member, about what (a host, a VM or a set of hosts). */
    record Call(long at, int member, Kind kind, Object subject) {
        @Override
        public String toString() {
            return String.format("%.3fs h%d %s %s", at / 1e9, member, kind, subject);
        }
    }

    private record Event(long at, long seq, Runnable action) {}

    final Random random;
    final HaSettings settings;
    private final List<SimMember> members = new ArrayList<>();
    private final boolean[][] up;
    private final PriorityQueue<Event> queue =
            new PriorityQueue<>(Comparator.comparingLong(Event::at).thenComparingLong(Event::seq));
    private final List<Call> calls = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final SortedMap<HostId, SortedSet<VmId>> running = new TreeMap<>();
    private long now;
    private long seq;
    private int vms;
    /** How long a host agent takes to start a VM. */
    long agentStart = 50 * MS;
    /** Whether {@link SimMember#readmit} resets a fenced host that answers back into the pool. */
    boolean resetOnReadmit;

    /**
     * A pool of {@code hosts} live members (host i has the i-th lowest UUID), all links up, host 0 master, HA off.
     *
     * @param drift each member's clock rate is drawn from {@code [1 - drift, 1 + drift]}
     */
    HaWorld(long seed, int hosts, HaSettings settings, double drift) {
        this.random = new Random(seed);
        this.settings = settings;
        this.up = new boolean[hosts][hosts];
        for (boolean[] row : up) {
            Arrays.fill(row, true);
        }
        List<Operation> genesis = new ArrayList<>();
        genesis.add(new Operation.PoolCreate(POOL, "pool", spec(0), 0));
        for (int i = 1; i < hosts; i++) {
            genesis.add(new Operation.PoolJoin(spec(i)));
        }
        PoolState state = PoolState.empty();
        for (int i = 0; i < genesis.size(); i++) {
            Outcome outcome = Transition.apply(state, PoolCommand.of(genesis.get(i)), new ApplyContext(i + 1));
            state = ((Outcome.Applied) outcome).next();
        }
        List<HostId> all = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            all.add(hostId(i));
        }
        for (int i = 0; i < hosts; i++) {
            long offset = random.nextLong(1_000_000 * MS);
            double rate = 1 + (2 * random.nextDouble() - 1) * drift;
            SimMember member = new SimMember(this, i, hostId(i), address(i), offset, rate);
            member.state = state;
            member.logIndex = genesis.size();
            member.voters = all;
            member.peers = all;
            members.add(member);
            running.put(member.id, new TreeSet<>());
        }
        members.get(0).master = true;
        for (SimMember member : members) {
            double realPeriod = HaMonitor.period().toNanos() / member.rate;
            periodic(random.nextDouble() * realPeriod, realPeriod, 0, member.monitor::tick);
        }
        periodic(RAFT_PERIOD, RAFT_PERIOD, 0, this::raft);
    }

    static HostId hostId(int i) {
        return new HostId(UUID.fromString(String.format("%08x-0000-4000-8000-000000000000", i + 1)));
    }

    private static String address(int i) {
        return "h" + i + ":7000";
    }

    private static Operation.HostSpec spec(int i) {
        return new Operation.HostSpec(hostId(i), "h" + i, address(i), 16 * GIB, false);
    }

    // ------------------------------------------------------------------ access

    long now() {
        return now;
    }

    SimMember member(int i) {
        return members.get(i);
    }

    SimMember member(HostId id) {
        return members.stream()
                .filter(m -> m.id.equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member " + id));
    }

    List<SimMember> members() {
        return List.copyOf(members);
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    List<Call> calls(Kind kind) {
        return calls.stream().filter(c -> c.kind() == kind).toList();
    }

    List<Call> calls(Kind kind, Object subject) {
        return calls.stream()
                .filter(c -> c.kind() == kind && c.subject().equals(subject))
                .toList();
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    /** The hosts whose hypervisor runs {@code vm} now. */
    Set<HostId> runningOn(VmId vm) {
        return running.entrySet().stream()
                .filter(e -> e.getValue().contains(vm))
                .map(e -> e.getKey())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The member that is master now, if any. */
    Optional<SimMember> master() {
        return members.stream().filter(m -> m.master && !m.fenced()).findFirst();
    }

    // ------------------------------------------------------------------ setup and faults

    /** A protected VM (priority restart) of {@code order}, running on host {@code host}; committed by the master. */
    VmId protectedVm(int host, long order) {
        VmId vm = new VmId(UUID.fromString(String.format("00000050-0000-4000-8000-%012x", ++vms)));
        SimMember master = master().orElseThrow();
        setup(master, new Operation.VmCreate(vm, "vm" + vms, GIB, 1, Optional.empty(), HaRestartPriority.NONE, 0));
        setup(master, new Operation.VmParamSet(vm, "ha-restart-priority", "restart"));
        setup(master, new Operation.VmParamSet(vm, "order", Long.toString(order)));
        setup(master, new Operation.VmStart(vm, Optional.of(hostId(host)), false));
        setup(master, new Operation.VmCompleteOperation(vm, VmOperation.START, true));
        running.get(hostId(host)).add(vm);
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
        elect(members.get(i));
    }

    void setLog(int i, long term, long index) {
        members.get(i).logTerm = term;
        members.get(i).logIndex = index;
    }

    void link(int from, int to, boolean isUp) {
        up[from][to] = isUp;
    }

    /** Cuts every link between the hosts of {@code a} and those of {@code b}, both ways. */
    void split(Collection<Integer> a, Collection<Integer> b) {
        for (int x : a) {
            for (int y : b) {
                up[x][y] = false;
                up[y][x] = false;
            }
        }
    }

    /** Cuts every link of host {@code i}, both ways. */
    void isolate(int i) {
        for (int j = 0; j < members.size(); j++) {
            if (j != i) {
                up[i][j] = false;
                up[j][i] = false;
            }
        }
    }

    void healAll() {
        for (boolean[] row : up) {
            Arrays.fill(row, true);
        }
    }

    // ------------------------------------------------------------------ running

    /** Runs every event up to and including virtual time {@code until}. */
    void runUntil(long until) {
        while (!queue.isEmpty() && queue.peek().at() <= until) {
            Event event = queue.poll();
            now = event.at();
            event.action().run();
        }
        now = Math.max(now, until);
    }

    void runFor(Duration duration) {
        runUntil(now + duration.toNanos());
    }

    void after(long delay, Runnable action) {
        queue.add(new Event(now + delay, seq++, action));
    }

    private void periodic(double phase, double realPeriod, long k, Runnable body) {
        long at = (long) Math.ceil(phase + k * realPeriod);
        queue.add(new Event(Math.max(at, now), seq++, () -> {
            body.run();
            periodic(phase, realPeriod, k + 1, body);
        }));
    }

    // ------------------------------------------------------------------ the simple Raft

    void record(SimMember by, Kind kind, Object subject) {
        calls.add(new Call(now, by.index, kind, subject));
    }

    void violation(String what) {
        violations.add(String.format("%.3fs: %s", now / 1e9, what));
    }

    /** Whether {@code a} and {@code b} (both unfenced) reach each other both ways; a member always reaches itself. */
    boolean inContact(SimMember a, SimMember b) {
        return a == b || (!a.fenced() && !b.fenced() && linked(a, b));
    }

    /** Whether the links between {@code a} and {@code b} are up both ways, fenced or not. */
    boolean linked(SimMember a, SimMember b) {
        return a == b || (up[a.index][b.index] && up[b.index][a.index]);
    }

    private boolean holdsMajority(SimMember m) {
        long reached = m.voters.stream().filter(v -> inContact(m, member(v))).count();
        return 2 * reached > m.voters.size();
    }

    /** Every period: a master without a majority steps down; without a master, one is elected; peers catch up. */
    private void raft() {
        List<SimMember> masters =
                members.stream().filter(m -> m.master && !m.fenced()).toList();
        if (masters.size() > 1) {
            violation("two masters: " + masters);
        }
        for (SimMember m : masters) {
            if (!holdsMajority(m)) {
                m.master = false;
            }
        }
        Optional<SimMember> master = master();
        if (master.isEmpty()) {
            master = members.stream()
                    .filter(m -> !m.fenced() && m.voters.contains(m.id) && holdsMajority(m))
                    .findFirst();
            master.ifPresent(this::elect);
        }
        master.ifPresent(this::replicate);
    }

    private void elect(SimMember m) {
        long term = members.stream()
                .filter(o -> inContact(m, o))
                .mapToLong(o -> o.logTerm)
                .max()
                .orElse(0);
        m.master = true;
        m.logTerm = term + 1;
        record(m, Kind.MASTER, m.id);
        commit(m, new Operation.PoolSetMaster(m.id));
    }

    /**
     * Applies {@code op} to the master's copy and replicates it to every peer in mutual contact: the result, or empty
     * when it was refused or the master reaches no majority (neither changes anything).
     */
    Optional<Result> commit(SimMember master, Operation op) {
        if (!master.master || master.fenced() || !holdsMajority(master)) {
            return Optional.empty();
        }
        Outcome outcome = Transition.apply(master.state, PoolCommand.of(op), new ApplyContext(master.logIndex + 1));
        if (!(outcome instanceof Outcome.Applied applied)) {
            return Optional.empty();
        }
        master.state = applied.next();
        master.logIndex++;
        List<String> broken = Invariants.violations(master.state);
        if (!broken.isEmpty()) {
            violation(op.xeName() + " broke the core invariants: " + broken);
        }
        replicate(master);
        return Optional.of(applied.result());
    }

    /** Hands the master's state, log position and configuration to its peers in mutual contact with it. */
    void replicate(SimMember master) {
        for (SimMember m : members) {
            if (m != master && master.peers.contains(m.id) && inContact(master, m)) {
                m.state = master.state;
                m.logTerm = master.logTerm;
                m.logIndex = master.logIndex;
                m.voters = master.voters;
                m.peers = master.peers;
                m.master = false;
            }
        }
    }

    // ------------------------------------------------------------------ hypervisors and beats

    /** Host {@code host}'s agent started {@code vm}: it must run nowhere else that is unfenced. */
    void hypervisorStart(VmId vm, HostId host) {
        Set<HostId> elsewhere = runningOn(vm);
        if (!elsewhere.isEmpty()) {
            violation("VM " + vm + " started on " + host + " while it runs on " + elsewhere);
        }
        running.get(host).add(vm);
    }

    /** The agent of a fencing host hard-stops every VM. */
    void hypervisorStopAll(HostId host) {
        running.get(host).clear();
    }

    void send(SimMember from, String address, HaBeat beat) {
        from.beatsSent++;
        from.lastBeatSent = now;
        SimMember to = members.stream()
                .filter(m -> m.address.equals(address))
                .findFirst()
                .orElse(null);
        if (to == null) {
            violation(from + " sent a beat to unknown address " + address);
            return;
        }
        if (!up[from.index][to.index]) {
            return;
        }
        long transit = MIN_TRANSIT + random.nextLong(MAX_TRANSIT - MIN_TRANSIT + 1);
        after(transit, () -> {
            if (!to.fenced()) {
                to.monitor.onBeat(beat);
            }
        });
    }

    private void setup(SimMember master, Operation op) {
        if (commit(master, op).isEmpty()) {
            throw new IllegalStateException("setup step refused: " + op);
        }
    }
}
