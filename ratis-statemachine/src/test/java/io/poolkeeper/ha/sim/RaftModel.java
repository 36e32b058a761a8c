package io.poolkeeper.ha.sim;

import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Invariants;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.Result;
import io.poolkeeper.core.Transition;
import io.poolkeeper.ha.sim.Transcript.Kind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Raft, simple on purpose (everything above it is real). A member is in contact with another when both are up,
 * unfenced and their links are up both ways. A commit applies an operation to the master's copy with the real core
 * and hands the result (state, log position, configuration, ledger) to every peer in contact, and needs a majority
 * of the master's voters in contact. Every {@link Sim#RAFT_PERIOD} a master without a majority steps down and, if
 * no master is left, the most up-to-date member that would win a vote (a majority of its voters in contact whose log
 * is not ahead of its own) is elected and records itself ({@link Operation.PoolSetMaster}).
 *
 * <p>A client writes every {@link Sim#WRITE_PERIOD}; a write the master commits is acknowledged and kept in the
 * {@link SafetyChecker}'s ledger, and every member's log carries the writes it holds.
 */
final class RaftModel {
    private final HaWorld world;
    private long writes;

    RaftModel(HaWorld world) {
        this.world = world;
    }

    /** Whether {@code a} and {@code b} reach each other both ways; a member always reaches itself. */
    boolean inContact(SimMember a, SimMember b) {
        return a == b || (a.reachable() && b.reachable() && world.network().linked(a.index, b.index));
    }

    boolean holdsMajority(SimMember m) {
        long reached =
                m.voters.stream().filter(v -> inContact(m, world.member(v))).count();
        return 2 * reached > m.voters.size();
    }

    private static int compareLogs(SimMember a, SimMember b) {
        return Comparator.<SimMember>comparingLong(m -> m.generation())
                .thenComparingLong(m -> m.logTerm)
                .thenComparingLong(m -> m.logIndex)
                .compare(a, b);
    }

    /** Whether {@code candidate} would win a vote now: a majority of its voters in contact, none ahead of it. */
    private boolean electable(SimMember candidate) {
        if (!candidate.reachable() || candidate.removed || !candidate.voters.contains(candidate.id)) {
            return false;
        }
        long votes = candidate.voters.stream()
                .map(world::member)
                .filter(v -> inContact(candidate, v) && compareLogs(v, candidate) <= 0)
                .count();
        return 2 * votes > candidate.voters.size();
    }

    /** Every period: a master without a majority steps down; without a master, one is elected; peers catch up. */
    void period() {
        for (SimMember m : world.members()) {
            if (m.master && (!m.reachable() || !holdsMajority(m))) {
                m.master = false;
            }
        }
        Optional<SimMember> master = world.master();
        if (master.isEmpty()) {
            List<SimMember> candidates = new ArrayList<>(
                    world.members().stream().filter(this::electable).toList());
            candidates.sort((a, b) -> compareLogs(b, a) != 0 ? compareLogs(b, a) : Integer.compare(a.index, b.index));
            if (!candidates.isEmpty()) {
                elect(candidates.get(0));
                master = Optional.of(candidates.get(0));
            }
        }
        master.ifPresent(this::replicate);
    }

    void elect(SimMember m) {
        long term = world.members().stream()
                .filter(o -> inContact(m, o) && o.generation() == m.generation())
                .mapToLong(o -> o.logTerm)
                .max()
                .orElse(0);
        m.master = true;
        m.logTerm = term + 1;
        world.record(m, Kind.MASTER, m.id);
        world.checker().newMaster(m);
        commit(m, new Operation.PoolSetMaster(m.id));
    }

    /**
     * Applies {@code op} to the master's copy and replicates it to every peer in contact: the result, or empty when
     * it was refused or the master reaches no majority (neither changes anything).
     */
    Optional<Result> commit(SimMember master, Operation op) {
        if (!master.master || !master.reachable() || !holdsMajority(master)) {
            return Optional.empty();
        }
        Outcome outcome = Transition.apply(master.state, PoolCommand.of(op), new ApplyContext(master.logIndex + 1));
        if (!(outcome instanceof Outcome.Applied applied)) {
            return Optional.empty();
        }
        master.state = applied.next();
        master.logIndex++;
        world.checker().committed(master);
        List<String> broken = Invariants.violations(master.state);
        if (!broken.isEmpty()) {
            world.violation(op.xeName() + " broke the core invariants: " + broken);
        }
        replicate(master);
        return Optional.of(applied.result());
    }

    /** A client write to whichever member is master: acknowledged once committed. */
    void clientWrite() {
        Optional<SimMember> master = world.master();
        if (master.isEmpty() || !holdsMajority(master.get())) {
            return;
        }
        SimMember m = master.get();
        long write = ++writes;
        m.ledger = m.ledger.plus(write);
        m.logIndex++;
        world.checker().committed(m);
        replicate(m);
        world.checker().acknowledged(write);
    }

    /** Hands the master's state, log position, ledger and configuration to its peers in contact. */
    void replicate(SimMember master) {
        for (SimMember m : world.members()) {
            if (m != master
                    && master.peers.contains(m.id)
                    && inContact(master, m)
                    && m.generation() <= master.generation()) {
                m.follow(master);
            }
        }
    }
}
