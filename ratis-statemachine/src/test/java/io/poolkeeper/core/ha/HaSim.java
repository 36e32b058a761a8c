package io.poolkeeper.core.ha;

import io.poolkeeper.api.model.HostId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A deterministic virtual-time network of HA members, for tests: one {@link Reachability} per host, the real
 * heartbeat exchange, and links that can be cut and healed per direction.
 *
 * <p>Real time is a long of nanoseconds. Host i's monotonic clock reads {@code offset[i] + floor(t · rate[i])} at
 * real time t, so two hosts' rates differ by the ratio of their {@code rate}s (keep them within 1+ρ of each other
 * for the drift bound to hold). Every host, on its own clock, sends a beat to every other host each heartbeat (a
 * beat leaves only over a link that is up when it is sent and arrives after a random transit time) and evaluates
 * {@link Reachability#selfFenceDue} each tick; once that is due the host is fenced for good: it sends, receives and
 * ticks no more. The liveset is all hosts, fixed.
 *
 * <p>After every event (a tick, a beat sent, a beat delivered, a link change, a scheduled action) the observer runs.
 * Single-threaded and deterministic for a given {@link Random}.
 */
final class HaSim {

    /** One host: its identity, its HA state, its clock. */
    static final class Node {
        final int index;
        final HostId id;
        final Reachability reach;
        final long offset;
        final double rate;
        long logTerm;
        long logIndex;
        /** Real time at which selfFenceDue fired, or -1. */
        long fencedAt = -1;

        private Node(int index, HostId id, FenceDeadlines deadlines, long offset, double rate) {
            this.index = index;
            this.id = id;
            this.offset = offset;
            this.rate = rate;
            this.reach = new Reachability(id, deadlines, clockAt(0));
        }

        long clockAt(long real) {
            return offset + (long) Math.floor(real * rate);
        }

        boolean isFenced() {
            return fencedAt >= 0;
        }

        @Override
        public String toString() {
            return "h" + index + "(" + id.toString().substring(0, 8) + ")";
        }
    }

    private record Event(long at, long seq, Runnable action) {}

    final FenceDeadlines deadlines;
    final long heartbeat;
    final long tick;
    final SortedSet<HostId> liveset;
    final List<Node> nodes;
    private final boolean[][] up;
    private final Random random;
    private final long minTransit;
    private final long maxTransit;
    private final PriorityQueue<Event> queue =
            new PriorityQueue<>(Comparator.comparingLong(Event::at).thenComparingLong(Event::seq));
    private long now;
    private long seq;
    private Consumer<HaSim> observer = sim -> {};

    /**
     * All links up, every host armed at real time 0, timers at random phases.
     *
     * @param heartbeat the beat interval on each host's clock
     * @param tick the evaluation interval on each host's clock
     * @param minTransit the shortest transit time of a beat, real nanoseconds
     * @param maxTransit the longest
     */
    HaSim(
            FenceDeadlines deadlines,
            long heartbeat,
            long tick,
            List<HostId> ids,
            double[] rates,
            long[] offsets,
            long minTransit,
            long maxTransit,
            Random random) {
        this.deadlines = deadlines;
        this.heartbeat = heartbeat;
        this.tick = tick;
        this.random = random;
        this.minTransit = minTransit;
        this.maxTransit = maxTransit;
        List<Node> list = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            list.add(new Node(i, ids.get(i), deadlines, offsets[i], rates[i]));
        }
        this.nodes = Collections.unmodifiableList(list);
        this.liveset = Collections.unmodifiableSortedSet(new TreeSet<>(ids));
        this.up = new boolean[ids.size()][ids.size()];
        for (boolean[] row : up) {
            java.util.Arrays.fill(row, true);
        }
        for (Node node : nodes) {
            periodic(node, heartbeat, () -> beat(node));
            periodic(node, tick, () -> evaluate(node));
        }
    }

    /** Runs {@code observer} after every event. */
    void observe(Consumer<HaSim> observer) {
        this.observer = observer;
    }

    long now() {
        return now;
    }

    Node node(int index) {
        return nodes.get(index);
    }

    /** The index of the host {@code id}. */
    int indexOf(HostId id) {
        for (Node node : nodes) {
            if (node.id.equals(id)) {
                return node.index;
            }
        }
        throw new IllegalArgumentException("no host " + id);
    }

    /** The host's clock now. */
    long clock(Node node) {
        return node.clockAt(now);
    }

    /** Runs {@code action} at real time {@code at} (not before now). */
    void at(long at, Runnable action) {
        queue.add(new Event(Math.max(at, now), seq++, action));
    }

    /** Sets the link {@code from → to}. */
    void link(int from, int to, boolean isUp) {
        up[from][to] = isUp;
    }

    boolean isUp(int from, int to) {
        return up[from][to];
    }

    /** Cuts or heals both directions between {@code a} and {@code b}. */
    void both(int a, int b, boolean isUp) {
        up[a][b] = isUp;
        up[b][a] = isUp;
    }

    /** Runs every event up to and including real time {@code until}. */
    void runUntil(long until) {
        while (!queue.isEmpty() && queue.peek().at() <= until) {
            Event event = queue.poll();
            now = event.at();
            event.action().run();
            observer.accept(this);
        }
        now = Math.max(now, until);
    }

    /** The k-th firing of a timer of {@code period} (host clock) from a random phase, in real time. */
    private void periodic(Node node, long period, Runnable body) {
        double realPeriod = period / node.rate;
        double phase = random.nextDouble() * realPeriod;
        schedulePeriodic(node, phase, realPeriod, 0, body);
    }

    private void schedulePeriodic(Node node, double phase, double realPeriod, long k, Runnable body) {
        long at = (long) Math.ceil(phase + k * realPeriod);
        at(at, () -> {
            if (node.isFenced()) {
                return;
            }
            body.run();
            schedulePeriodic(node, phase, realPeriod, k + 1, body);
        });
    }

    private void beat(Node from) {
        long sent = clock(from);
        SortedMap<HostId, Long> silences = from.reach.silences(liveset, sent);
        long term = from.logTerm;
        long index = from.logIndex;
        for (Node to : nodes) {
            if (to == from || !up[from.index][to.index]) {
                continue;
            }
            long transit = minTransit + (maxTransit > minTransit ? random.nextLong(maxTransit - minTransit + 1) : 0);
            at(now + transit, () -> {
                if (!to.isFenced()) {
                    long received = clock(to);
                    to.reach.heard(from.id, new Reachability.Report(sent, received, silences, term, index), received);
                }
            });
        }
    }

    private void evaluate(Node node) {
        if (node.reach.selfFenceDue(liveset, clock(node))) {
            node.fencedAt = now;
        }
    }
}
