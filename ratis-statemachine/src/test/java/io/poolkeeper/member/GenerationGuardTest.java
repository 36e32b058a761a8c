package io.poolkeeper.member;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.TestJoinTokens;
import io.poolkeeper.core.Transition;
import io.poolkeeper.port.HaBeat;
import io.poolkeeper.port.Heartbeat;
import io.poolkeeper.port.LogPosition;
import io.poolkeeper.port.PeerLink;
import io.poolkeeper.port.PeerStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A new master's generation gate: when its probe starts, and how long it may leave out a host its Raft followed as
 * leader. The gate on real members is exercised by LeaderLossTest and the emergency and HA cluster tests.
 */
@Timeout(30)
class GenerationGuardTest {
    private static final Duration ELECTION_MAX = Duration.ofMillis(600);
    private static final HostId SELF = HostId.of("00000001-0000-4000-8000-000000000000");
    private static final HostId OTHER = HostId.of("00000002-0000-4000-8000-000000000000");
    /** Long, so that a write held by a gate nobody answers would wait 2 × 5 s, far past the tests' bounds. */
    private static final Duration PROBE_DEADLINE = Duration.ofSeconds(5);

    private final SystemScheduler scheduler = new SystemScheduler("generation-guard-test");
    private final Peers peers = new Peers();
    private final RoleState role = new RoleState(SELF, Duration.ofSeconds(60));
    private final PoolState state = pool();
    private final GenerationGuard guard = new GenerationGuard(
            SELF, peers, scheduler, () -> state, role, PROBE_DEADLINE, Duration.ofSeconds(60), newer -> {});

    @AfterEach
    void close() {
        scheduler.close();
    }

    /** The other host as a peer link reaches it: each status question is answered when the test says. */
    private static final class Peers implements PeerLink {
        final List<CompletableFuture<PeerStatus>> asked = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<PeerStatus> status(String address, Duration deadline) {
            CompletableFuture<PeerStatus> answer = new CompletableFuture<>();
            asked.add(answer);
            return answer;
        }

        @Override
        public CompletableFuture<PeerStatus> statusNow(String address, Duration deadline) {
            return status(address, deadline);
        }

        @Override
        public CompletableFuture<Heartbeat.Answer> heartbeat(String address, Heartbeat beat, Duration deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> whenGone(String address) {
            return new CompletableFuture<>();
        }

        @Override
        public CompletableFuture<Void> haHeartbeat(String address, HaBeat beat, Duration deadline) {
            throw new UnsupportedOperationException();
        }

        @Override
        public HostRole join(
                String address,
                Operation.HostSpec host,
                String raftAddress,
                long generation,
                String joinToken,
                Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void emergencyResetMaster(String address, String masterAddress, long generation, Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }

    private static PoolState pool() {
        Operation.HostSpec self = new Operation.HostSpec(SELF, "self", "127.0.0.1:1", 1L << 30, false);
        PoolState state = applied(PoolState.empty(), new Operation.PoolCreate(PoolId.random(), "p", self, 0), 1);
        state = applied(state, TestJoinTokens.create(), 2);
        return applied(
                state, TestJoinTokens.join(new Operation.HostSpec(OTHER, "other", "127.0.0.1:2", 1L << 30, false)), 3);
    }

    private static PoolState applied(PoolState state, Operation op, long index) {
        return applied(state, PoolCommand.of(op), index);
    }

    private static PoolState applied(PoolState state, PoolCommand command, long index) {
        return ((Outcome.Applied) Transition.apply(state, command, new ApplyContext(index, index))).next();
    }

    private PeerStatus answer(long generation) {
        return new PeerStatus(
                OTHER.toString(),
                MemberRole.SLAVE,
                state.requirePool().uuid().toString(),
                generation,
                false,
                Optional.empty(),
                new LogPosition(1, 3),
                false);
    }

    /**
     * A slave elected leader: the other host is asked at once (while Raft still commits the term's first entry,
     * before this member is master) and answers {@code ahead} generations ahead of this member's.
     */
    private void electedAndAnswered(long ahead) {
        role.move(EnumSet.of(MemberState.STARTING), MemberState.SLAVE, "test");
        guard.elected();
        await().atMost(Duration.ofSeconds(5)).until(() -> peers.asked.size() == 1);
        peers.asked.get(0).complete(answer(state.requirePool().generation() + ahead));
    }

    @Test
    void theProbeStartsAtTheElectionAndTheMastershipDoesNotHoldWritesForASecondOne() {
        electedAndAnswered(0);

        guard.mastershipStarted();
        // A gate opened again here would hold the write until a new probe's answer, or 2 × 5 s without one.
        assertTimeoutPreemptively(Duration.ofSeconds(3), guard::beforeWrite);
        // Asked once more, ungated, with the state applied by the time the member is master.
        await().atMost(Duration.ofSeconds(5)).until(() -> peers.asked.size() == 2);
    }

    @Test
    void aNewerGenerationFoundByTheElectionsProbeRefusesTheFirstWrite() {
        electedAndAnswered(1);

        guard.mastershipStarted();
        IOException refused = assertThrows(IOException.class, guard::beforeWrite);
        assertTrue(refused.getMessage().startsWith("POOL_GENERATION_STALE"), refused.getMessage());
        assertEquals(MemberState.STALE, role.get());
    }

    @Test
    void aLeadershipLostBeforeTheMastershipLeavesTheNextMastershipItsOwnProbe() {
        electedAndAnswered(0);
        guard.leadershipEnded();

        guard.mastershipStarted();
        await().atMost(Duration.ofSeconds(5)).until(() -> peers.asked.size() == 2);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                guard.beforeWrite();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        // Gated again: the write waits for this probe's answer, which finds the pool moved on.
        peers.asked.get(1).complete(answer(state.requirePool().generation() + 1));
        assertThrows(Exception.class, write::join);
        assertEquals(MemberState.STALE, role.get());
    }

    @Test
    void halfOfEmergencyAfterLessAnElectionTimeoutWithoutHa() {
        assertEquals(
                Duration.ofMillis(29_400),
                GenerationGuard.leaderExcuse(Duration.ofSeconds(60), Optional.empty(), ELECTION_MAX));
    }

    @Test
    void theHaTimeoutBoundsItWhenShorter() {
        // With HA on, a host may re-found a pool once the others provably fenced: about the HA timeout.
        assertEquals(
                Duration.ofMillis(400),
                GenerationGuard.leaderExcuse(Duration.ofSeconds(60), Optional.of(Duration.ofSeconds(2)), ELECTION_MAX));
        assertEquals(
                Duration.ofMillis(29_400),
                GenerationGuard.leaderExcuse(
                        Duration.ofSeconds(60), Optional.of(Duration.ofSeconds(300)), ELECTION_MAX));
    }

    @Test
    void noneWhenTheSpansAreShorterThanTwoElectionTimeouts() {
        assertEquals(
                Duration.ZERO, GenerationGuard.leaderExcuse(Duration.ofSeconds(1), Optional.empty(), ELECTION_MAX));
        assertEquals(
                Duration.ZERO,
                GenerationGuard.leaderExcuse(
                        Duration.ofSeconds(60), Optional.of(Duration.ofMillis(1200)), ELECTION_MAX));
    }
}
