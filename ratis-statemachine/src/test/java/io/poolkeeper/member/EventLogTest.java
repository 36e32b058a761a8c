package io.poolkeeper.member;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.ratis.AppliedCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event log across restarts, without Raft: what a member's state machine tells it on a restart (the group opened,
 * the snapshot loaded, the log after it re-applied) gives watchers every event once; a snapshot installed over a gap
 * and a token older than the retention give {@code EVENTS_LOST}, saying where the watcher was and what is oldest.
 */
@Timeout(10)
class EventLogTest {
    private static final String GROUP = "02511d6b-0000-4000-8000-000000000001";
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    void aRestartedLogHoldsItsEventsOnceAndGoesOn() {
        try (EventLog log = new EventLog(dir, 100)) {
            log.open(GROUP);
            log.append(applied(1, 6));
            log.sync(); // a snapshot at 4 is about to be written
        }
        try (EventLog log = new EventLog(dir, 100)) {
            log.open(GROUP);
            log.reloaded(4); // the snapshot
            log.append(applied(5, 6)); // Raft re-applies the log after it
            log.append(applied(7, 8)); // and new commits follow
            assertEquals(tokens(1, 8), tokens(watch(log, 0, 8)));
            assertEquals(tokens(4, 8), tokens(watch(log, 3, 5)));
        }
    }

    @Test
    void aSnapshotInstalledOverAGapStartsHistoryAfterIt() {
        try (EventLog log = new EventLog(dir, 100)) {
            log.open(GROUP);
            log.append(applied(1, 3));
            log.reloaded(20); // a far-behind member installs the leader's snapshot
            log.append(applied(21, 22));
            List<PoolEvent> seen = watch(log, 2, 3);
            assertLost(seen.get(0), 20, 2, 21);
            assertEquals(tokens(21, 22), tokens(seen.subList(1, 3)));
        }
        // And so after a restart: nothing before the snapshot comes back.
        try (EventLog log = new EventLog(dir, 100)) {
            log.open(GROUP);
            log.reloaded(20);
            List<PoolEvent> seen = watch(log, 0, 3);
            assertLost(seen.get(0), 20, 0, 21);
            assertEquals(tokens(21, 22), tokens(seen.subList(1, 3)));
        }
    }

    @Test
    void aTokenOlderThanTheRetentionGetsEventsLostThenTheOldestRetained() {
        try (EventLog log = new EventLog(dir, 5)) {
            log.open(GROUP);
            log.append(applied(1, 12));
        }
        try (EventLog log = new EventLog(dir, 5)) {
            log.open(GROUP);
            log.reloaded(12);
            List<PoolEvent> seen = watch(log, 3, 6);
            assertLost(seen.get(0), 7, 3, 8);
            assertEquals(tokens(8, 12), tokens(seen.subList(1, 6)));
        }
    }

    @Test
    void anotherGroupStartsTokensAgainWithEventsLostAtZero() {
        try (EventLog log = new EventLog(dir, 100)) {
            log.open(GROUP);
            log.append(applied(1, 3));
        }
        try (EventLog log = new EventLog(dir, 100)) {
            log.open("the-next-generation");
            log.append(applied(1, 2));
            assertEquals(tokens(1, 2), tokens(watch(log, 0, 2)));
        }
        try (EventLog log = new EventLog(dir, 100)) {
            log.open("the-next-generation");
            List<PoolEvent> seen = new CopyOnWriteArrayList<>();
            Subscription s = log.subscribe(2, seen::add, e -> {});
            try {
                log.open("yet-another");
                log.append(applied(1, 1));
                await().atMost(WAIT).until(() -> seen.size() == 2);
                assertLost(seen.get(0), 0, 2, 1);
                assertEquals(1, seen.get(1).token());
            } finally {
                s.close();
            }
        }
    }

    private static void assertLost(PoolEvent e, long token, long fromToken, long oldestToken) {
        assertEquals(PoolEvent.Kind.ALERT, e.kind());
        assertEquals("EVENTS_LOST", e.name());
        assertEquals(token, e.token());
        assertEquals(
                Map.of("from-token", Long.toString(fromToken), "oldest-token", Long.toString(oldestToken)), e.params());
    }

    private static List<PoolEvent> watch(EventLog log, long fromToken, int count) {
        List<PoolEvent> seen = new CopyOnWriteArrayList<>();
        Subscription s = log.subscribe(fromToken, seen::add, e -> {});
        try {
            await().atMost(WAIT).until(() -> seen.size() >= count);
        } finally {
            s.close();
        }
        return new ArrayList<>(seen);
    }

    private static List<Long> tokens(List<PoolEvent> events) {
        return events.stream().map(PoolEvent::token).toList();
    }

    private static List<Long> tokens(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    /** Commands {@code from..to} as the state machine reports them: refused renames (no state needed). */
    private static List<AppliedCommand> applied(long from, long to) {
        return LongStream.rangeClosed(from, to)
                .mapToObj(t -> new AppliedCommand(
                        t,
                        new PoolCommand("r" + t, 0, 0, new Operation.PoolAlert(ErrorCode.HA_NOT_ENABLED, List.of())),
                        new Outcome.Rejected(new Rejection(ErrorCode.HANDLE_INVALID, List.of(), "test"))))
                .toList();
    }
}
