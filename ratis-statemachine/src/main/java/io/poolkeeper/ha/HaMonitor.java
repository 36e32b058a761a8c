package io.poolkeeper.ha;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.ha.FenceDecision;
import io.poolkeeper.core.ha.Fencer;
import io.poolkeeper.core.ha.Reachability;
import io.poolkeeper.port.HaBeat;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's HA loop (DESIGN §6), armed while its copy of the pool says HA is enabled and it takes part in the
 * pool's Raft group. Every tick it:
 *
 * <ol>
 *   <li>heartbeats every other host every {@code max(1 s, T/10)} ({@link HaBeat});
 *   <li>fences itself once it has been outside a surviving partition for W ({@link Reachability#selfFenceDue});
 *   <li>if it survives, looks for lost hosts that have provably fenced ({@link Reachability#fenced}). When its
 *       partition holds a Raft majority, the master commits their deaths; when it does not (a 2-host tie, too few
 *       voters), the partition's member with the most up-to-date log re-founds the pool (DESIGN §5), beating its
 *       partners all along, and then commits them. Declared hosts leave the Raft configuration;
 *   <li>on the master, restarts VMs ({@link HaRestarts}), records the failover plan's status
 *       ({@link HaPlanRecorder}) and re-admits fenced hosts that answer again.
 * </ol>
 *
 * <p>Thread-safe: ticks and arriving beats are serialized on this object; everything slow is the environment's, off
 * the tick or, for the self-fence, after it and outside the lock.
 */
public final class HaMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(HaMonitor.class);

    private final HostId self;
    private final HaEnvironment env;
    private final HaSettings settings;

    private Reachability reach;
    private Duration armedTimeout;
    private SortedSet<HostId> lastLiveset = new TreeSet<>();
    private long lastBeat;
    private long lastHousekeeping;
    private boolean refounding;
    /** The view on which this member decided to re-found: what its beats say while it is between groups. */
    private HaView foundingView;

    private boolean fenced;
    private final Set<HostId> declaring = new HashSet<>();
    /** After a failed attempt, when each verdict (or the re-founding, under this member's id) may be tried again. */
    private final Map<HostId, Long> retryAfter = new HashMap<>();

    private long now;
    private long heartbeatNanos;
    /** Armed, an HA member, and in a surviving partition at the last tick: read by other threads. */
    private volatile boolean surviving;

    private final Set<HostId> leavingRaft = new TreeSet<>();
    private final HaRestarts restarts;
    private final HaPlanRecorder plan;
    private final Set<HostId> readmitting = new HashSet<>();
    /**
     * Survivors of a re-founding, not re-admitted before the time given (this member's clock; {@code Long.MAX_VALUE}
     * while the re-founding runs).
     */
    private final Map<HostId, Long> justReset = new HashMap<>();
    /** Hosts this member has not heard for the span or longer (see {@link #crossedSpan}). */
    private final Set<HostId> pastSpan = new HashSet<>();
    /** Hosts past the span for which this member already answered another's crossing beat with one of its own. */
    private final Set<HostId> answered = new HashSet<>();
    /** A beat goes out at the next tick (see {@link #onBeat}). */
    private boolean beatNow;
    /** Why this tick decided to fence: the fence itself runs after the tick, outside the lock. */
    private String fenceNow;

    public HaMonitor(HostId self, HaEnvironment env, HaSettings settings) {
        this.self = self;
        this.env = env;
        this.settings = settings;
        this.restarts = new HaRestarts(self, env);
        this.plan = new HaPlanRecorder(env);
    }

    /** How often to tick: often enough that a fence is never late by more than a small part of a heartbeat. */
    public static Duration period() {
        return Duration.ofMillis(20);
    }

    /** Whether the loop is armed now. */
    public synchronized boolean armed() {
        return reach != null;
    }

    /**
     * Whether the loop is armed and every other live host's latest beat here names the same liveset as this member's
     * copy ({@link Reachability#livesetAgreed}): after a re-admission, the moment from which a further failure is
     * judged against the grown liveset everywhere.
     */
    public synchronized boolean livesetAgreed() {
        return reach != null && lastLiveset.contains(self) && reach.livesetAgreed(lastLiveset);
    }

    /**
     * Whether this member was, at its last tick, an armed HA member in a surviving partition: such a member does not
     * go to emergency mode, since its side keeps (or re-founds) the pool by itself (DESIGN §6).
     */
    public boolean surviving() {
        return surviving;
    }

    /**
     * Pool HA on this member as of its last tick (for metrics).
     *
     * @param armed whether the loop is armed
     * @param liveset the size of the liveset this member holds (0 unarmed)
     * @param surviving whether it is in a surviving partition
     * @param fenceInNanos how long until it fences itself, while outside every surviving partition
     */
    public record Status(boolean armed, int liveset, boolean surviving, OptionalLong fenceInNanos) {}

    /** Pool HA on this member as of its last tick. */
    public synchronized Status status() {
        if (reach == null) {
            return new Status(false, 0, false, OptionalLong.empty());
        }
        return new Status(true, lastLiveset.size(), surviving, reach.selfFenceIn(env.nanos()));
    }

    /** A beat from another member arrived. */
    public synchronized void onBeat(HaBeat beat) {
        if (reach == null) {
            return;
        }
        HostId from;
        SortedMap<HostId, Long> silences = new TreeMap<>();
        try {
            from = HostId.of(beat.hostUuid());
            beat.silentMillis()
                    .forEach((h, ms) ->
                            silences.put(HostId.of(h), Duration.ofMillis(ms).toNanos()));
        } catch (IllegalArgumentException e) {
            LOG.debug("HA beat with a malformed host id ignored: {}", e.getMessage());
            return;
        }
        long now = env.nanos();
        boolean taken = reach.heard(
                from, new Reachability.Report(beat.sentNanos(), now, silences, beat.logTerm(), beat.logIndex()), now);
        // The sender just reached the span for a host this member has not heard for the span either: the sender may
        // be the master waiting for this member's word, newer than its own loss, to declare it. Answer at once
        // (on the next tick) rather than up to a heartbeat later; once per host and loss.
        long span = reach.deadlines().declareAfter();
        if (taken) {
            silences.forEach((host, nanos) -> {
                if (nanos >= span && pastSpan.contains(host) && answered.add(host)) {
                    beatNow = true;
                }
            });
        }
    }

    public void tick() {
        String fence;
        synchronized (this) {
            try {
                surviving = false;
                step();
            } catch (RuntimeException e) {
                LOG.warn("HA tick failed: {}", e.toString());
            }
            fence = fenceNow;
            fenceNow = null;
        }
        // Outside the lock: the agent's hard stop may take seconds, and beats arriving meanwhile must not queue up
        // on this object, each holding a transport thread.
        if (fence != null) {
            env.selfFence(fence);
        }
    }

    private void step() {
        if (refounding) {
            beatWhileFounding();
            return;
        }
        PoolState cheap = env.state();
        if (cheap.pool().isEmpty() || !cheap.requirePool().haEnabled()) {
            disarm();
            return;
        }
        HaView view = env.view();
        PoolState state = view.state();
        if (state.pool().isEmpty() || !state.requirePool().haEnabled() || !view.inGroup()) {
            disarm();
            return;
        }
        Pool pool = state.requirePool();
        long now = env.nanos();
        SortedSet<HostId> liveset = liveset(state);
        if (reach == null || !pool.haTimeout().equals(armedTimeout)) {
            arm(pool.haTimeout(), liveset, now);
        }
        for (HostId host : liveset) {
            if (!lastLiveset.contains(host)) {
                reach.track(host, now);
            }
        }
        lastLiveset = liveset;
        Duration heartbeat = settings.heartbeatInterval(pool.haTimeout());
        this.now = now;
        this.heartbeatNanos = heartbeat.toNanos();
        // A beat also goes out as soon as a silence reaches the span: the master waiting to declare that host needs
        // this member's word on it now, not up to a heartbeat later.
        boolean beat = now - lastBeat >= heartbeat.toNanos() | crossedSpan(liveset, now) | beatNow;
        beatNow = false;
        if (beat) {
            lastBeat = now;
            beat(view, liveset, now);
        }
        if (!liveset.contains(self)) {
            return; // not an HA member yet (re-admitted, not live again): it neither fences nor judges
        }
        if (reach.selfFenceDue(liveset, now)) {
            fence(liveset, now);
            return;
        }
        SortedSet<HostId> partition = reach.partition(liveset, now);
        surviving = Fencer.decide(self, liveset, partition) == FenceDecision.SURVIVE;
        SortedSet<HostId> lost = reach.fenced(liveset, now);
        if (!lost.isEmpty()) {
            if (holdsMajority(partition, view.voters())) {
                if (view.master()) {
                    lost.forEach(this::declare);
                }
            } else {
                maybeRefound(view, liveset, partition, lost);
            }
        }
        if (view.master() && now - lastHousekeeping >= heartbeat.toNanos()) {
            lastHousekeeping = now;
            housekeeping(view);
        }
    }

    /**
     * While this member re-founds the pool it is between groups: it has left the old one and the new one holds no pool
     * yet, so its view says nothing. Its partners of the surviving partition still judge by the old liveset until it
     * resets them into the new generation; without its beats they would find themselves alone and fence after W,
     * protected VMs and all, if the founding takes that long (NemesisTest seed 17972379653372, on a loaded machine).
     * So it goes on beating what it knew when it decided, and goes on hearing them; it judges nothing meanwhile.
     */
    private void beatWhileFounding() {
        long now = env.nanos();
        if (now - lastBeat >= heartbeatNanos || beatNow) {
            beatNow = false;
            lastBeat = now;
            beat(foundingView, lastLiveset, now);
        }
    }

    /** Whether this member's silence about some host of the liveset reached the span since the last tick. */
    private boolean crossedSpan(SortedSet<HostId> liveset, long now) {
        long span = reach.deadlines().declareAfter();
        boolean crossed = false;
        for (Map.Entry<HostId, Long> e : reach.silences(liveset, now).entrySet()) {
            if (e.getValue() < span) {
                pastSpan.remove(e.getKey());
                answered.remove(e.getKey());
            } else if (pastSpan.add(e.getKey())) {
                crossed = true;
            }
        }
        return crossed;
    }

    private void arm(Duration timeout, SortedSet<HostId> liveset, long now) {
        LOG.info("host {}: HA armed, ha-timeout {}", self, timeout);
        reach = new Reachability(self, settings.deadlines(timeout), now);
        armedTimeout = timeout;
        lastLiveset = liveset;
        lastBeat = Long.MIN_VALUE / 2;
        pastSpan.clear();
        answered.clear();
        beatNow = false;
        fenced = false;
    }

    private void disarm() {
        if (reach != null) {
            LOG.info("host {}: HA disarmed", self);
        }
        reach = null;
        armedTimeout = null;
        refounding = false;
        foundingView = null;
    }

    private static SortedSet<HostId> liveset(PoolState state) {
        SortedSet<HostId> out = new TreeSet<>();
        for (Host host : state.hosts().values()) {
            if (host.live()) {
                out.add(host.uuid());
            }
        }
        return out;
    }

    private void beat(HaView view, SortedSet<HostId> liveset, long now) {
        SortedMap<String, Long> silences = new TreeMap<>();
        reach.silences(liveset, now).forEach((h, nanos) -> silences.put(h.toString(), nanos / 1_000_000));
        Pool pool = view.state().requirePool();
        HaBeat beat = new HaBeat(
                self.toString(),
                pool.uuid().toString(),
                pool.generation(),
                now,
                silences,
                view.logTerm(),
                view.logIndex());
        for (Host host : view.state().hosts().values()) {
            if (!host.uuid().equals(self)) {
                env.send(host.address(), beat);
            }
        }
    }

    private void fence(SortedSet<HostId> liveset, long now) {
        if (fenced) {
            return;
        }
        fenced = true;
        String why = "outside a surviving partition for "
                + reach.deadlines().fenceWindow().toMillis() + " ms: reaches " + reach.partition(liveset, now)
                + " of liveset " + liveset;
        LOG.warn("host {}: self-fencing, {}", self, why);
        disarm();
        fenceNow = why;
    }

    /** Whether {@code partition} holds a majority of the voters: Raft commits there. */
    static boolean holdsMajority(SortedSet<HostId> partition, List<HostId> voters) {
        long inside = voters.stream().filter(partition::contains).count();
        return 2 * inside > voters.size();
    }

    /** Whether {@code key}'s action may run now: not within a heartbeat of its last failure. */
    private boolean mayTry(HostId key) {
        Long after = retryAfter.get(key);
        return after == null || now - after >= 0;
    }

    private void failed(HostId key) {
        retryAfter.put(key, now + heartbeatNanos);
    }

    private void declare(HostId host) {
        if (!mayTry(host) || !declaring.add(host)) {
            return;
        }
        LOG.warn("host {}: host {} has fenced itself (fence deadline passed); declaring it dead", self, host);
        env.declareFenced(host).whenComplete((halted, error) -> {
            synchronized (this) {
                declaring.remove(host);
                if (error != null) {
                    LOG.info("declaring {} fenced did not commit: {}", host, error.toString());
                    failed(host);
                    return;
                }
                retryAfter.remove(host);
                leavingRaft.add(host);
                env.removeVoter(host); // now; housekeeping tries again if this fails
                restarts.halted(halted);
                // At once, not at the next housekeeping: every heartbeat of delay here is a heartbeat of downtime.
                if (reach != null) {
                    restarts.restart(env.state());
                }
            }
        });
    }

    private void maybeRefound(
            HaView view, SortedSet<HostId> liveset, SortedSet<HostId> partition, SortedSet<HostId> lost) {
        SortedSet<HostId> outside = new TreeSet<>(liveset);
        outside.removeAll(partition);
        // Only once every host outside the partition has provably fenced: then no other side can be acting, and the
        // re-founded pool's first verdicts are these deaths.
        if (refounding || !lost.equals(outside) || !mayTry(self)) {
            return;
        }
        HostId leader = reach.mostUpToDate(partition, view.logTerm(), view.logIndex());
        if (!leader.equals(self)) {
            return;
        }
        refounding = true;
        foundingView = view;
        // The re-founded pool sees the lost hosts dead before their verdicts commit: as "declaring", housekeeping
        // does not re-admit one meanwhile, which the verdict's Raft removal would then undo (see housekeeping).
        declaring.addAll(lost);
        SortedSet<HostId> survivors = new TreeSet<>(partition);
        survivors.remove(self);
        long grace = view.state().requirePool().haTimeout().toNanos();
        // The re-founding resets the survivors into the new generation: while it runs, and until they beat as live,
        // they look like hosts to re-admit, and resetting one again while it joins drops it (seen by the nemesis: a
        // survivor left STANDALONE, the new pool without a majority).
        survivors.forEach(host -> justReset.put(host, Long.MAX_VALUE));
        String why = "HA: surviving partition " + partition + " holds no Raft majority of " + view.voters() + "; hosts "
                + lost + " fenced";
        LOG.warn("host {}: {}: re-founding the pool", self, why);
        env.refound(survivors, why).whenComplete((halted, error) -> {
            synchronized (this) {
                refounding = false;
                foundingView = null;
                declaring.removeAll(lost);
                long until = env.nanos() + grace;
                survivors.forEach(host -> justReset.put(host, until));
                if (error != null) {
                    LOG.warn("HA re-founding failed: {}", error.toString());
                    failed(self);
                    return;
                }
                restarts.halted(halted);
                lost.forEach(this::declare);
            }
        });
    }

    private void housekeeping(HaView view) {
        PoolState state = view.state();
        for (HostId host : List.copyOf(leavingRaft)) {
            if (!view.peers().contains(host) || !state.hosts().containsKey(host)) {
                leavingRaft.remove(host);
            } else if (!state.hosts().get(host).live()) {
                env.removeVoter(host);
            } else {
                leavingRaft.remove(host); // back already
            }
        }
        restarts.restart(state);
        plan.update(state);
        long now = env.nanos();
        justReset.values().removeIf(until -> until != Long.MAX_VALUE && now - until >= 0);
        for (Host host : state.hosts().values()) {
            // Not while its death is being committed or its Raft removal is pending: a removal run after the
            // re-admission put it back would take it out of the configuration again, live, where no re-admission
            // (only for hosts not live) would ever bring it back.
            if (!host.uuid().equals(self)
                    && !host.live()
                    && !view.peers().contains(host.uuid())
                    && !declaring.contains(host.uuid())
                    && !leavingRaft.contains(host.uuid())
                    && !justReset.containsKey(host.uuid())
                    && readmitting.add(host.uuid())) {
                env.readmit(host).whenComplete((halted, error) -> {
                    synchronized (this) {
                        readmitting.remove(host.uuid());
                        if (halted != null) {
                            restarts.halted(halted);
                        }
                    }
                });
            }
        }
    }
}
