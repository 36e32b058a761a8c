package io.poolkeeper.member;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How long a new master's generation gate may leave out a host its Raft followed as leader: the rest of the gate is
 * exercised on real members (LeaderLossTest, the emergency and HA cluster tests).
 */
@Timeout(10)
class GenerationGuardTest {
    private static final Duration ELECTION_MAX = Duration.ofMillis(600);

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
