package io.poolkeeper.member;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.port.LogPosition;
import io.poolkeeper.port.PeerStatus;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which survivor starts the quick election ({@link LeaderLoss#ahead}): every survivor must come to the same answer
 * from the same reported values, or two start (a split vote) or none does (the election timeout).
 */
@Timeout(10)
class LeaderLossOrderTest {
    private static final HostId LOW = HostId.of("00000001-0000-4000-8000-000000000000");
    private static final HostId HIGH = HostId.of("00000002-0000-4000-8000-000000000000");
    private static final LogPosition LOG = new LogPosition(3, 40);

    private static PeerStatus status(HostId host, LogPosition log, long startedAtMillis) {
        return new PeerStatus(
                host.toString(), MemberRole.SLAVE, "pool", 1, false, Optional.empty(), log, startedAtMillis);
    }

    /** Whether {@code a} and {@code b}, each asking the other, agree that exactly one of them starts. */
    private static boolean exactlyOneStarts(
            HostId a, LogPosition logA, long startA, HostId b, LogPosition logB, long startB) {
        boolean aDefers = LeaderLoss.ahead(status(b, logB, startB), logA, startA, a);
        boolean bDefers = LeaderLoss.ahead(status(a, logA, startA), logB, startB, b);
        return aDefers != bDefers;
    }

    @Test
    void theMoreUpToDateLogStartsWhateverTheStartTimes() {
        LogPosition longer = new LogPosition(3, 41);
        assertTrue(LeaderLoss.ahead(status(HIGH, longer, 2_000), LOG, 1_000, LOW));
        assertFalse(LeaderLoss.ahead(status(LOW, LOG, 1_000), longer, 2_000, HIGH));
    }

    @Test
    void amongEqualLogsTheMemberRunningLongestStartsNotTheLowestUuid() {
        // HIGH started first: it leads, though LOW has the lower UUID.
        assertTrue(LeaderLoss.ahead(status(HIGH, LOG, 1_000), LOG, 2_000, LOW));
        assertFalse(LeaderLoss.ahead(status(LOW, LOG, 2_000), LOG, 1_000, HIGH));
        assertTrue(exactlyOneStarts(LOW, LOG, 2_000, HIGH, LOG, 1_000));
    }

    @Test
    void equalOrUnreportedStartTimesFallBackToTheLowestUuidOnBothSides() {
        assertTrue(LeaderLoss.ahead(status(LOW, LOG, 1_000), LOG, 1_000, HIGH));
        assertTrue(exactlyOneStarts(LOW, LOG, 1_000, HIGH, LOG, 1_000));
        // A member of an older version reports no start time and orders by UUID alone: so does the other.
        assertTrue(LeaderLoss.ahead(status(LOW, LOG, 0), LOG, 1_000, HIGH));
        assertFalse(LeaderLoss.ahead(status(HIGH, LOG, 1_000), LOG, 0, LOW));
        assertTrue(exactlyOneStarts(LOW, LOG, 0, HIGH, LOG, 1_000));
    }
}
