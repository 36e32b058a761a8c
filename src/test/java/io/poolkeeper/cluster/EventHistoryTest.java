package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.testing.TestingPool;
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
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Event history survives restarts and failovers: a watcher resuming from a token on a member that restarted (after a
 * snapshot, with writes before and after) gets every event after it once, in order; a remote watcher follows through
 * the master's crash; a token older than the retention gets {@code EVENTS_LOST} first, saying what is oldest.
 */
@Timeout(120)
// Mostly waits on its own pool: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("EventHistoryTest")
class EventHistoryTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Small, so that a few dozen writes take several snapshots. */
    private static final long SNAPSHOT_EVERY = 8;

    private static final long STARTED = System.nanoTime();

    @TempDir
    Path dir;

    @Test
    void aWatcherResumesFromItsTokenOnARestartedSlaveAndOnTheRestartedMaster() {
        try (TestingPool pool =
                TestingPool.builder(dir).snapshotEvery(SNAPSHOT_EVERY).start(3)) {
            int master = pool.soleMaster().orElseThrow();
            int slave = pool.others(master).get(0);
            List<String> created = new ArrayList<>();
            create(pool.member(master).pool(), "before", 5, created);
            Events first = Events.follow(pool.member(slave).pool(), 0);
            await().atMost(WAIT).until(() -> first.names().equals(created));
            long token = first.tokenOf("before-4");
            first.close();
            List<String> afterToken = new ArrayList<>(created.subList(5, created.size()));
            long indexAtToken = pool.member(master).applied().logIndex();

            // The slave crashes with writes going on around it, after a snapshot beyond the token.
            create(pool.member(master).pool(), "snapshotted", 2 * (int) SNAPSHOT_EVERY, afterToken);
            await().atMost(WAIT).until(() -> RaftFiles.snapshotIndexes(pool.storage(slave)).stream()
                    .anyMatch(i -> i > indexAtToken));
            pool.killMember(slave);
            create(pool.member(master).pool(), "slave-down", 5, afterToken);
            RatisPoolMember restartedSlave = pool.restart(slave);
            create(pool.member(master).pool(), "slave-back", 5, afterToken);
            assertEveryEventAfter(pool, restartedSlave, token, afterToken);

            // Then the master crashes: another takes over; it comes back as a slave.
            pool.killMember(master);
            int next = pool.awaitMaster();
            create(pool.member(next).pool(), "master-down", 5, afterToken);
            RatisPoolMember restartedMaster = pool.restart(master);
            create(pool.member(next).pool(), "master-back", 5, afterToken);
            assertEveryEventAfter(pool, restartedMaster, token, afterToken);
            assertTrue(
                    RaftFiles.snapshotIndexes(pool.storage(master)).stream().anyMatch(i -> i > indexAtToken),
                    "the master had snapshotted past the token");
        }
    }

    @Test
    void aRemoteWatcherFollowsThroughTheMastersCrashWithoutGapOrDuplicate() {
        try (TestingPool pool =
                TestingPool.builder(dir).snapshotEvery(SNAPSHOT_EVERY).start(3)) {
            int master = pool.soleMaster().orElseThrow();
            List<String> addresses = new ArrayList<>();
            addresses.add(pool.address(master)); // the watch starts on the master
            pool.others(master).forEach(i -> addresses.add(pool.address(i)));
            try (GrpcPoolClient client = pool.clientBuilder().members(addresses).build()) {
                List<String> created = new ArrayList<>();
                Events remote = Events.follow(client.pool(), 0);
                create(pool.member(master).pool(), "before", 5, created);
                await().atMost(WAIT).until(() -> remote.names().equals(created));

                pool.killMember(master);
                int next = pool.awaitMaster();
                create(pool.member(next).pool(), "after", 10, created);
                long last = pool.member(next).applied().sequence();
                await().atMost(WAIT).until(() -> remote.lastToken() >= last);
                remote.close();
                assertEquals(tokens(1, last), remote.tokens(), "every token once, in order");
                assertEquals(created, remote.names());
                assertTrue(remote.alerts().isEmpty(), "nothing lost: " + remote.alerts());
            }
        }
    }

    @Test
    void aTokenOlderThanTheRetentionGetsEventsLostThenTheOldestRetainedAfterARestart() {
        int retention = 12;
        try (TestingPool pool = TestingPool.builder(dir)
                .snapshotEvery(SNAPSHOT_EVERY)
                .eventRetention(retention)
                .start(1)) {
            List<String> created = new ArrayList<>();
            create(pool.member(0).pool(), "vm", 30, created);
            long last = pool.member(0).applied().sequence();
            pool.killMember(0);
            RatisPoolMember restarted = pool.restart(0);
            pool.awaitMaster();

            Events watcher = Events.follow(restarted.pool(), 2);
            await().atMost(WAIT).until(() -> watcher.lastToken() >= last);
            watcher.close();
            List<PoolEvent> seen = watcher.events();
            PoolEvent lost = seen.get(0);
            assertEquals("EVENTS_LOST", lost.name());
            assertEquals(PoolEvent.Kind.ALERT, lost.kind());
            long oldest = lost.token() + 1;
            assertEquals(Map.of("from-token", "2", "oldest-token", Long.toString(oldest)), lost.params());
            // The restart's own commands may have moved the window on since the writes.
            assertTrue(oldest >= last - retention + 1 && oldest > 3, "oldest retained " + oldest + ", last " + last);
            assertEquals(
                    tokens(oldest, watcher.lastToken()),
                    seen.subList(1, seen.size()).stream().map(PoolEvent::token).toList());
            List<String> newest = watcher.names();
            assertEquals(created.subList(created.size() - newest.size(), created.size()), newest);
        }
    }

    /** A new watcher from {@code token} on {@code member} gets exactly the events after it, and the VMs created. */
    private static void assertEveryEventAfter(
            TestingPool pool, RatisPoolMember member, long token, List<String> createdAfter) {
        long last = pool.member(pool.awaitMaster()).applied().sequence();
        Events resumed = Events.follow(member.pool(), token);
        await().atMost(WAIT).until(() -> resumed.lastToken() >= last);
        resumed.close();
        assertEquals(
                tokens(token + 1, resumed.lastToken()),
                resumed.tokens(),
                "every token once, in order; alerts: " + resumed.alerts());
        assertTrue(resumed.alerts().isEmpty(), "nothing lost: " + resumed.alerts());
        assertEquals(createdAfter, resumed.names());
    }

    private static void create(Pool pool, String prefix, int count, List<String> names) {
        System.out.printf("event history: %s at %d ms%n", prefix, (System.nanoTime() - STARTED) / 1_000_000);
        for (int i = 0; i < count; i++) {
            String name = prefix + "-" + i;
            pool.blocking().createVm(VmSpec.of(name, 1L << 30, 1));
            names.add(name);
        }
    }

    private static List<Long> tokens(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    /** What one subscription delivered. */
    private record Events(List<PoolEvent> events, Subscription[] subscription) {
        static Events follow(Pool pool, long fromToken) {
            Events e = new Events(new CopyOnWriteArrayList<>(), new Subscription[1]);
            e.subscription[0] = pool.watch(fromToken, e.events::add);
            return e;
        }

        void close() {
            subscription[0].close();
        }

        long lastToken() {
            return events.isEmpty() ? 0 : events.get(events.size() - 1).token();
        }

        List<Long> tokens() {
            return events.stream().map(PoolEvent::token).toList();
        }

        List<PoolEvent> alerts() {
            return events.stream().filter(e -> e.name().equals("EVENTS_LOST")).toList();
        }

        /** The VMs created, in event order. */
        List<String> names() {
            return events.stream()
                    .filter(e -> e.kind() == PoolEvent.Kind.CHANGE && e.name().equals("vm-create"))
                    .map(e -> e.params().get("name-label"))
                    .toList();
        }

        long tokenOf(String vmName) {
            return events.stream()
                    .filter(e -> e.name().equals("vm-create")
                            && vmName.equals(e.params().get("name-label")))
                    .mapToLong(PoolEvent::token)
                    .findFirst()
                    .orElseThrow();
        }
    }
}
