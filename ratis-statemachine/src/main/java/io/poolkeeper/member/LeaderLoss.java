package io.poolkeeper.member;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.port.LogPosition;
import io.poolkeeper.port.PeerLink;
import io.poolkeeper.port.PeerStatus;
import io.poolkeeper.ratis.RaftGroups;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slave's quick election when the master's process is gone: its connection to the master closed and a new one is
 * refused ({@link PeerLink#whenGone}), which a crashed or killed member process shows at once while its host runs.
 * Waiting for Raft's election timeout instead costs 300–600 ms before anyone moves, then often a refused pre-vote and
 * another wait (docs/BENCHMARKS.md, "Failover").
 *
 * <p>The surviving voters ask each other for the last entry of their logs: none grows while there is no leader, so
 * they all pick the same one, the most up to date (the lowest host UUID among equals), whom the others will vote
 * for; only that one starts an election at once ({@link RaftGroups#electInsteadOf}), and only with a majority of
 * the voters answering (without one, Raft's pre-vote is what keeps the term from rising in vain). Two starting
 * together would split the vote; a survivor that did not answer in time is left out, and if that makes two start,
 * their election timers settle it as before. A host gone silent (power, cable) refuses nothing and is left to the
 * timeouts; so is a master lost before this slave's watch saw its connection open (within a connection set-up of
 * the slave's start: a refusal is taken for the master's loss only on a connection seen open, since a channel still
 * backing off from an earlier failure fails too).
 *
 * <p>Thread-safe.
 */
final class LeaderLoss {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderLoss.class);
    /** How long the survivors wait for each other's log positions. */
    static final Duration ASK_WITHIN = Duration.ofMillis(200);

    private final HostId self;
    private final PeerLink peers;
    private final RaftGroups groups;
    private final Supplier<PoolState> state;
    /** The watches already followed, so a master seen again is not followed twice. */
    private final Set<CompletableFuture<Void>> followed = Collections.newSetFromMap(new IdentityHashMap<>());

    LeaderLoss(HostId self, PeerLink peers, RaftGroups groups, Supplier<PoolState> state) {
        this.self = self;
        this.peers = peers;
        this.groups = groups;
        this.state = state;
    }

    /**
     * Follows the current master's process, and keeps the Raft channels to the other voters ready for an election;
     * called on a slave's every tick.
     */
    void follow() {
        Optional<HostId> leader = groups.leaderId().filter(id -> !id.equals(self));
        if (leader.isEmpty()) {
            return;
        }
        groups.keepChannelsToVoters(leader.get());
        Host host = state.get().hosts().get(leader.get());
        if (host == null || host.address().isEmpty()) {
            return;
        }
        CompletableFuture<Void> gone = peers.whenGone(host.address());
        synchronized (followed) {
            if (!followed.add(gone)) {
                return;
            }
        }
        LOG.debug("following master {} at {}", leader.get(), host.address());
        gone.thenRun(() -> {
            synchronized (followed) {
                followed.remove(gone);
            }
            lost(leader.get());
        });
    }

    private void lost(HostId leader) {
        List<HostId> voters = groups.voters();
        List<HostId> others = new ArrayList<>(voters);
        if (!others.remove(self) || !others.remove(leader) || !groups.leaderId().equals(Optional.of(leader))) {
            LOG.debug(
                    "master {} is gone; no quick election: voters {}, Raft's leader {}",
                    leader,
                    voters,
                    groups.leaderId());
            return;
        }
        PoolState pool = state.get();
        List<CompletableFuture<Optional<PeerStatus>>> answers = new ArrayList<>();
        for (HostId other : others) {
            Host host = pool.hosts().get(other);
            answers.add(
                    host == null
                            ? CompletableFuture.completedFuture(Optional.empty())
                            // Afresh: a survivor restarted since this one last failed to reach it still counts.
                            : peers.statusNow(host.address(), ASK_WITHIN)
                                    .thenApply(Optional::of)
                                    .exceptionally(e -> Optional.empty()));
        }
        long generation = pool.pool().map(p -> p.generation()).orElse(0L);
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenRun(() -> {
            LogPosition mine = groups.logPosition();
            int reachable = 1;
            for (CompletableFuture<Optional<PeerStatus>> answer : answers) {
                // A log of another generation is another group's: no measure of this one's.
                Optional<PeerStatus> other = answer.join().filter(s -> s.generation() == generation);
                if (other.isEmpty()) {
                    continue;
                }
                reachable++;
                if (ahead(other.get(), mine)) {
                    LOG.info(
                            "master {} is gone; {} has the most up-to-date log and starts the election",
                            leader,
                            other.get().hostUuid());
                    return;
                }
            }
            if (reachable * 2 <= voters.size()) {
                // No majority to win with: an election without Raft's pre-vote would only raise the term.
                LOG.info("master {} is gone; {} of {} voters reachable, no election", leader, reachable, voters.size());
                return;
            }
            boolean started = groups.electInsteadOf(leader);
            LOG.info(
                    "master {} is gone; this member's log is the most up to date ({}): election {}",
                    leader,
                    mine,
                    started ? "started" : "not started (Raft moved on)");
        });
    }

    /** Whether {@code other} should start the election rather than this member. */
    private boolean ahead(PeerStatus other, LogPosition mine) {
        int byLog = other.log().compareTo(mine);
        return byLog > 0 || byLog == 0 && other.hostUuid().compareTo(self.toString()) < 0;
    }
}
