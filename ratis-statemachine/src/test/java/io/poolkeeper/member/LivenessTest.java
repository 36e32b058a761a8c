package io.poolkeeper.member;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.TestJoinTokens;
import io.poolkeeper.core.Transition;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The master's heartbeat clocks, driven with explicit times. */
@Timeout(10)
class LivenessTest {
    private static final HostId MASTER = HostId.of("00000001-0000-4000-8000-000000000000");
    private static final HostId A = HostId.of("00000002-0000-4000-8000-000000000000");
    private static final HostId B = HostId.of("00000003-0000-4000-8000-000000000000");
    private static final long SECOND = 1_000_000_000L;

    private final Liveness liveness = new Liveness(Duration.ofSeconds(30));
    private long index;

    private PoolState apply(PoolState state, Operation op) {
        index++;
        Outcome outcome = Transition.apply(state, PoolCommand.of(op), new ApplyContext(index, index));
        return ((Outcome.Applied) outcome).next();
    }

    private PoolState pool(HostId... members) {
        PoolState state = apply(PoolState.empty(), new Operation.PoolCreate(PoolId.random(), "p", spec(MASTER), 0));
        index++;
        state = ((Outcome.Applied) Transition.apply(state, TestJoinTokens.create(), new ApplyContext(index, index)))
                .next();
        for (HostId h : members) {
            state = apply(state, TestJoinTokens.join(spec(h)));
        }
        return state;
    }

    private static Operation.HostSpec spec(HostId host) {
        return new Operation.HostSpec(host, "h", "127.0.0.1:1", 1L << 30, false);
    }

    @Test
    void withHaOnSilenceIsTheFencersToJudgeButAGoodbyeStillCounts() {
        PoolState state = pool(A, B);
        long t0 = 100 * SECOND;
        assertEquals(List.of(), liveness.verdicts(state, MASTER, t0, true));
        assertEquals(List.of(), liveness.verdicts(state, MASTER, t0 + 300 * SECOND, true));
        liveness.shutDown(A);
        assertEquals(
                List.of(new Operation.HostSetLive(A, false)),
                liveness.verdicts(state, MASTER, t0 + 301 * SECOND, true));
    }

    @Test
    void withHaOnAHostDeclaredFencedComesBackOnlyOnAHeartbeatSentAfterwards() {
        PoolState state = pool(A, B);
        long t0 = 100 * SECOND;
        liveness.heard(A, t0);
        PoolState fenced = state.withHost(state.hosts().get(A).withLive(false));
        // The heartbeat from before the cut is recent, but it does not bring the fenced host back.
        assertEquals(List.of(), liveness.verdicts(fenced, MASTER, t0 + SECOND, true));
        liveness.heard(A, t0 + 2 * SECOND);
        assertEquals(
                List.of(new Operation.HostSetLive(A, true)), liveness.verdicts(fenced, MASTER, t0 + 3 * SECOND, true));
    }

    @Test
    void aHostIsDeadOnlyAfterTheTimeoutWithoutHeartbeat() {
        PoolState state = pool(A, B);
        long t0 = 100 * SECOND;
        assertEquals(List.of(), liveness.verdicts(state, MASTER, t0, false));
        liveness.heard(A, t0 + 20 * SECOND);

        assertEquals(List.of(), liveness.verdicts(state, MASTER, t0 + 29 * SECOND, false));
        assertEquals(
                List.of(new Operation.HostSetLive(B, false)),
                liveness.verdicts(state, MASTER, t0 + 30 * SECOND, false));
        assertEquals(
                List.of(new Operation.HostSetLive(A, false), new Operation.HostSetLive(B, false)),
                liveness.verdicts(state, MASTER, t0 + 50 * SECOND, false));
    }

    @Test
    void aHeartbeatRevivesADeadHostButARestartedClockDoesNot() {
        PoolState state = apply(pool(A), new Operation.HostSetLive(A, false));
        long t0 = 100 * SECOND;
        liveness.restart();
        assertEquals(List.of(), liveness.verdicts(state, MASTER, t0, false));
        assertEquals(List.of(), liveness.verdicts(state, MASTER, t0 + SECOND, false));

        liveness.heard(A, t0 + 2 * SECOND);

        assertEquals(
                List.of(new Operation.HostSetLive(A, true)), liveness.verdicts(state, MASTER, t0 + 3 * SECOND, false));
    }

    @Test
    void aNewMasterAndANewHostStartTheirClocksAfresh() {
        PoolState state = pool(A);
        long t0 = 100 * SECOND;
        liveness.heard(A, t0);
        liveness.restart();
        // First seen by this leadership 40 s later: a full timeout from then, old heartbeats forgotten.
        assertEquals(List.of(), liveness.verdicts(state, MASTER, t0 + 40 * SECOND, false));
        assertEquals(List.of(), liveness.verdicts(state, MASTER, t0 + 69 * SECOND, false));
        PoolState joined = apply(state, TestJoinTokens.join(spec(B)));
        assertEquals(
                List.of(new Operation.HostSetLive(A, false)),
                liveness.verdicts(joined, MASTER, t0 + 70 * SECOND, false));
    }

    @Test
    void aGoodbyeIsDeadAtOnceUntilTheNextHeartbeat() {
        PoolState state = pool(A);
        long t0 = 100 * SECOND;
        liveness.heard(A, t0);

        liveness.shutDown(A);

        assertEquals(List.of(new Operation.HostSetLive(A, false)), liveness.verdicts(state, MASTER, t0 + 1, false));
        liveness.heard(A, t0 + 2);
        assertEquals(List.of(), liveness.verdicts(state, MASTER, t0 + 3, false));
    }
}
