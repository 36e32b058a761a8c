package io.poolkeeper.core.ha;

import io.poolkeeper.api.model.HostId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one HA member knows of who hears whom (DESIGN §6), and the three judgements it makes of it: its partition,
 * whether it must fence itself, and which lost hosts have provably fenced.
 *
 * <p>Every HA member heartbeats every other. A beat says "the sender reaches me", and carries how long the sender has
 * not heard each host (its silences). From these:
 *
 * <ul>
 *   <li><b>Partition</b>: this host, and every host of the liveset L that it heard within D and whose newest beat
 *       says it heard this host within D. Mutual contact, so a one-way cut splits both ways.
 *   <li><b>Self-fence</b>: once {@link Fencer#decide} has said {@link FenceDecision#SELF_FENCE} for W without a break,
 *       the host must fence ({@link #selfFenceDue}).
 *   <li><b>Provably fenced</b> ({@link #fenced}): a lost host h is fenced once a set S of hosts, this one included,
 *       that survives by the {@link Fencer} rule has gone without hearing h long enough. Each s ∈ S last heard h at
 *       t0(s) and still had not at r(s), when its beat was sent (r = now for this host). h drops s from its partition
 *       at most D plus one heartbeat after t0(s) and keeps it out until s hears h again, after r(s); so h is outside a
 *       surviving partition from max t0 + D + heartbeat on, and has fenced W·(1+ρ) later. The rule asks, for every
 *       pair s, s' ∈ S, that s had not heard h for {@code D + W·(1+ρ) + ε} ({@link FenceDeadlines#declareAfter}) by
 *       r(s'), ε covering the late heartbeat, the tick and transit. Asymmetric links cannot fool it: a host that
 *       some survivor still hears is in no such S. Each interval is measured on one clock: s's own silence, or this
 *       member's between two arrivals, converted with the drift bound where they meet, never a long stretch of one
 *       clock read on another (a witness whose clock runs fast cannot make a running host look fenced). Arrival
 *       times stand for sending times, late by the transit (covered by ε). S must also survive against the liveset h
 *       reported in its last beat, which may be older than this member's: a host re-admitted since h last heard
 *       the master is missing from it.
 * </ul>
 *
 * <p>Pure and deterministic: every time is passed in (nanoseconds of this member's monotonic clock), maps are sorted,
 * nothing here reads a clock. Not thread-safe: one member's HA loop owns it.
 */
public final class Reachability {

    /**
     * Another member's newest heartbeat as it arrived.
     *
     * @param sentNanos the sender's clock at sending (orders one sender's beats; never compared with this clock)
     * @param receivedAt this member's clock at arrival
     * @param silences for each host the sender tracks, nanoseconds it had gone without hearing it when it sent this
     * @param logTerm the term of the sender's last log entry
     * @param logIndex the index of the sender's last log entry
     */
    public record Report(
            long sentNanos, long receivedAt, SortedMap<HostId, Long> silences, long logTerm, long logIndex) {
        public Report {
            silences = Collections.unmodifiableSortedMap(new TreeMap<>(silences));
        }
    }

    private final HostId self;
    private final FenceDeadlines deadlines;
    private final long armedAt;
    private final SortedMap<HostId, Long> heardAt = new TreeMap<>();
    private final SortedMap<HostId, Report> reports = new TreeMap<>();
    private final SortedMap<HostId, Long> trackedSince = new TreeMap<>();
    private long outsideSince = -1;
    private boolean outside;

    /** Armed at {@code armedAt}: a host never heard since counts as silent since then. */
    public Reachability(HostId self, FenceDeadlines deadlines, long armedAt) {
        this.self = Objects.requireNonNull(self, "self");
        this.deadlines = Objects.requireNonNull(deadlines, "deadlines");
        this.armedAt = armedAt;
    }

    public FenceDeadlines deadlines() {
        return deadlines;
    }

    /**
     * A heartbeat from {@code from} arrived at {@code now}. A beat older than the newest kept from that sender (by its
     * own clock) is ignored, so a delayed beat cannot bring back what the sender no longer hears.
     *
     * @return whether the beat was taken
     */
    public boolean heard(HostId from, Report report, long now) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(report, "report");
        if (from.equals(self)) {
            return false;
        }
        Report newest = reports.get(from);
        if (newest != null && report.sentNanos() <= newest.sentNanos()) {
            return false;
        }
        reports.put(from, report);
        heardAt.put(from, now);
        return true;
    }

    /**
     * {@code host} (re-)entered the liveset at {@code now} (re-admitted after a fence, say): what was heard of it
     * before no longer counts, and its silence starts now, as a new master starts every host's clock afresh.
     */
    public void track(HostId host, long now) {
        heardAt.remove(host);
        reports.remove(host);
        trackedSince.put(host, now);
    }

    /** How long this member has gone without hearing each host of {@code liveset} but itself: what its beats carry. */
    public SortedMap<HostId, Long> silences(SortedSet<HostId> liveset, long now) {
        SortedMap<HostId, Long> out = new TreeMap<>();
        for (HostId host : liveset) {
            if (!host.equals(self)) {
                out.put(host, silence(host, now));
            }
        }
        return out;
    }

    private long silence(HostId host, long now) {
        long since = Math.max(armedAt, trackedSince.getOrDefault(host, armedAt));
        Long last = heardAt.get(host);
        return now - (last == null ? since : Math.max(since, last));
    }

    /** This host and the hosts of {@code liveset} it is in mutual contact with, as of {@code now}. */
    public SortedSet<HostId> partition(SortedSet<HostId> liveset, long now) {
        long detection = deadlines.detection().toNanos();
        SortedSet<HostId> out = new TreeSet<>();
        out.add(self);
        for (HostId host : liveset) {
            if (host.equals(self) || silence(host, now) >= detection) {
                continue;
            }
            // Its silence of this host has grown since it reported it, by the time since the report arrived (on
            // this clock; the drift on at most D is in ε). Unaged, a host whose beats stop reaching us just under D
            // after it stopped hearing us would stay in the partition for up to another D, and this host would
            // self-fence that much later than the survivors' declareAfter counts on.
            Report report = reports.get(host);
            Long theirs = report == null ? null : report.silences().get(self);
            if (theirs != null && theirs + (now - report.receivedAt()) < detection) {
                out.add(host);
            }
        }
        return out;
    }

    /**
     * Nanoseconds from {@code now} until this host's self-fence is due (0 when overdue), while the last
     * {@link #selfFenceDue} found it outside every surviving partition; empty otherwise.
     */
    public OptionalLong selfFenceIn(long now) {
        if (!outside) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(0, deadlines.fenceWindow().toNanos() - (now - outsideSince)));
    }

    /**
     * The decision for {@code now}, and whether this host has been outside a surviving partition for W without a
     * break and must fence itself. A host outside the liveset (not an HA member yet) never fences.
     */
    public boolean selfFenceDue(SortedSet<HostId> liveset, long now) {
        if (!liveset.contains(self)) {
            outside = false;
            return false;
        }
        FenceDecision decision = Fencer.decide(self, liveset, partition(liveset, now));
        if (decision == FenceDecision.SURVIVE) {
            outside = false;
            return false;
        }
        if (!outside) {
            outside = true;
            outsideSince = now;
        }
        return now - outsideSince >= deadlines.fenceWindow().toNanos();
    }

    /** Since when this host has been outside a surviving partition, if it is. */
    public Optional<Long> outsideSince() {
        return outside ? Optional.of(outsideSince) : Optional.empty();
    }

    /**
     * The hosts of {@code liveset} that have provably fenced themselves (see the class comment), as this host judges
     * at {@code now}: empty unless this host survives.
     */
    public SortedSet<HostId> fenced(SortedSet<HostId> liveset, long now) {
        SortedSet<HostId> out = new TreeSet<>();
        if (!liveset.contains(self) || Fencer.decide(self, liveset, partition(liveset, now)) != FenceDecision.SURVIVE) {
            return out;
        }
        for (HostId lost : liveset) {
            if (!lost.equals(self) && provablyFenced(lost, liveset, now)) {
                out.add(lost);
            }
        }
        return out;
    }

    /**
     * A witness of {@code lost}'s silence: how long it had not heard it, on its own clock, when its beat left; and
     * when that beat arrived here (for this host: now).
     */
    private record Witness(HostId host, long silence, long receivedAt) {}

    private boolean provablyFenced(HostId lost, SortedSet<HostId> liveset, long now) {
        long span = deadlines.declareAfter();
        List<Witness> witnesses = new ArrayList<>();
        witnesses.add(new Witness(self, silence(lost, now), now));
        for (Map.Entry<HostId, Report> e : reports.entrySet()) {
            HostId host = e.getKey();
            Long silent = e.getValue().silences().get(lost);
            if (host.equals(lost) || !liveset.contains(host) || silent == null || silent < span) {
                continue;
            }
            witnesses.add(new Witness(host, silent, e.getValue().receivedAt()));
        }
        // Drop witnesses that lost the host too late to vouch for the others until every pair agrees: a smaller set
        // may still survive. Deterministic: witnesses in host order, self first.
        while (true) {
            Optional<Witness> late = tooLate(witnesses, span);
            if (late.isEmpty()) {
                SortedSet<HostId> set = new TreeSet<>();
                witnesses.forEach(w -> set.add(w.host()));
                return Fencer.decide(self, liveset, set) == FenceDecision.SURVIVE && survivesTheirs(lost, set);
            }
            if (late.get().host().equals(self)) {
                return false;
            }
            witnesses.remove(late.get());
        }
    }

    /**
     * Whether {@code set} also survives against the liveset {@code lost} judged by when its last beat here left (the
     * hosts it reported on, and itself). The lost host fences only if its side loses against its own copy's liveset,
     * which may be older than this member's: a host re-admitted after {@code lost} stopped hearing the master is
     * missing from it, and against that smaller liveset {@code lost}'s side can be a majority while {@code set} is a
     * tie holding the lowest UUID of the larger one. Without a beat from it, this member's liveset is all there is.
     */
    private boolean survivesTheirs(HostId lost, SortedSet<HostId> set) {
        Report last = reports.get(lost);
        if (last == null) {
            return true;
        }
        SortedSet<HostId> theirs = new TreeSet<>(last.silences().keySet());
        theirs.add(lost);
        Optional<HostId> member = set.stream().filter(theirs::contains).findFirst();
        return member.isPresent() && Fencer.decide(member.get(), theirs, set) == FenceDecision.SURVIVE;
    }

    /**
     * A witness v whose silence does not cover the span up to some witness w's beat, if any (this host only when no
     * other is left to blame): every pair must show h unheard by v from t0(v) to r(w) for the span. That interval is
     * measured on v's clock, or on this one, never trusting a long stretch of one clock on another: a clock may run
     * 1+ρ times as fast as another, so a witness's silence alone, placed on this clock, could err without bound.
     */
    private Optional<Witness> tooLate(List<Witness> witnesses, long span) {
        for (Witness v : witnesses) {
            for (Witness w : witnesses) {
                if (silentFromTo(v, w) < span) {
                    return Optional.of(v.host().equals(self) ? w : v);
                }
            }
        }
        return Optional.empty();
    }

    /** A lower bound on how long v had gone without hearing the lost host when w's beat left, in one clock's time. */
    private long silentFromTo(Witness v, Witness w) {
        if (v == w) {
            return v.silence();
        }
        if (v.host().equals(self)) {
            // All on this clock: v lost it at now - silence, w's beat arrived (after it left) at w.receivedAt.
            return w.receivedAt() - (v.receivedAt() - v.silence());
        }
        long between = w.receivedAt() - v.receivedAt();
        // On v's clock: its silence, less the stretch by which w's beat is older (this clock's stretch, at most 1+ρ
        // times longer on v's), or plus the stretch by which it is newer (at least 1/(1+ρ) as long on v's).
        return between <= 0
                ? v.silence() + deadlines.mostRemote(between)
                : v.silence() + deadlines.leastRemote(between);
    }

    /**
     * Whether every other host of {@code liveset} has reported exactly {@code liveset} in its latest beat here. Until
     * then a host lost now may have last reported an older liveset (one without a host re-admitted since), and its
     * death cannot be proved against it ({@link #fenced}): the pool is not yet fully protected.
     */
    public boolean livesetAgreed(SortedSet<HostId> liveset) {
        for (HostId host : liveset) {
            if (host.equals(self)) {
                continue;
            }
            Report last = reports.get(host);
            if (last == null) {
                return false;
            }
            SortedSet<HostId> theirs = new TreeSet<>(last.silences().keySet());
            theirs.add(host);
            if (!theirs.equals(liveset)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Of {@code candidates} (hosts this member has reports from, or itself), the one whose log is the most up to date
     * (Raft's order: last term, then last index), the lowest host UUID on a tie: the one that re-founds a pool whose
     * surviving partition holds no Raft majority.
     */
    public HostId mostUpToDate(SortedSet<HostId> candidates, long selfTerm, long selfIndex) {
        HostId best = null;
        long bestTerm = Long.MIN_VALUE;
        long bestIndex = Long.MIN_VALUE;
        for (HostId host : candidates) {
            long term;
            long index;
            if (host.equals(self)) {
                term = selfTerm;
                index = selfIndex;
            } else if (reports.containsKey(host)) {
                term = reports.get(host).logTerm();
                index = reports.get(host).logIndex();
            } else {
                continue;
            }
            if (best == null || term > bestTerm || (term == bestTerm && index > bestIndex)) {
                best = host;
                bestTerm = term;
                bestIndex = index;
            }
        }
        return best == null ? self : best;
    }
}
