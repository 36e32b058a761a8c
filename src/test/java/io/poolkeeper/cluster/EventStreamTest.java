package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watchers from token 0, one on an embedded member and one through a remote client, see every committed command
 * while writes go on: consecutive tokens from 1, nothing twice, nothing missing, and a watcher that closes its
 * subscription and resumes from the last token it saw continues exactly where it stopped.
 */
@Timeout(90)
class EventStreamTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int RESUMES = 3;

    @TempDir
    Path dir;

    /**
     * Records the events of a pool, closing and re-opening its subscription on demand. Events that a closed
     * subscription still delivers are not recorded (a subscriber stops looking at them once it closes), so a resumed
     * subscription must deliver them again.
     */
    private static final class Watcher {
        private final Pool pool;
        private final List<PoolEvent> events = new ArrayList<>();
        private Subscription subscription;
        private int generation;

        Watcher(Pool pool) {
            this.pool = pool;
            open(0);
        }

        private synchronized void open(long fromToken) {
            int mine = ++generation;
            subscription = pool.watch(fromToken, e -> record(mine, e));
        }

        private synchronized void record(int from, PoolEvent event) {
            if (from == generation) {
                events.add(event);
            }
        }

        /** Closes the subscription and opens a new one from the last token recorded. */
        void resume() {
            Subscription old;
            long last;
            synchronized (this) {
                generation++;
                old = subscription;
                last = lastToken();
            }
            old.close();
            open(last);
        }

        synchronized long lastToken() {
            return events.isEmpty() ? 0 : events.get(events.size() - 1).token();
        }

        synchronized List<PoolEvent> events() {
            return List.copyOf(events);
        }

        void close() {
            synchronized (this) {
                generation++;
            }
            subscription.close();
        }
    }

    @Test
    void watchersSeeEveryCommittedChangeInOrderWithoutGapsAndResumeExactly() throws Exception {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.soleMaster().orElseThrow();
            RatisPoolMember slave = pool.member(pool.others(master).get(0));

            try (GrpcPoolClient client = GrpcPoolClient.builder()
                    .members(pool.addresses())
                    .transportSecurity(pool.clientSecurity())
                    .requestTimeout(Duration.ofSeconds(10))
                    .build()) {
                Watcher embedded = new Watcher(slave.pool());
                Watcher remote = new Watcher(client.pool());
                List<Watcher> watchers = List.of(embedded, remote);
                try (LoadWriters writers =
                        new LoadWriters("events", List.of(pool.member(master).pool(), client.pool()), 8)) {
                    for (int r = 0; r < RESUMES; r++) {
                        for (Watcher w : watchers) {
                            long before = w.lastToken();
                            await().atMost(WAIT).until(() -> w.lastToken() >= before + 150);
                            w.resume();
                        }
                    }
                    await().atMost(WAIT).until(() -> writers.acknowledgedCount() >= 600);
                    writers.stop();
                    assertEquals(List.of(), writers.unexpected);
                    // A busy machine can cause an election: writes caught in it are settled before counting.
                    assertEquals(List.of(), writers.resolveUncertain(client.pool(), () -> pool.member(master)
                            .applied()
                            .state()));

                    long last = pool.member(master).applied().sequence();
                    await().atMost(WAIT).until(() -> watchers.stream().allMatch(w -> w.lastToken() >= last));
                    await().atMost(WAIT).until(() -> pool.members().stream()
                            .allMatch(m -> m.applied().sequence() == last));
                    watchers.forEach(Watcher::close);

                    Set<String> created = Stream.concat(writers.acknowledged.stream(), writers.uncertain.stream())
                            .map(w -> w.vm().toString())
                            .collect(Collectors.toSet());
                    for (Watcher w : watchers) {
                        List<PoolEvent> events = w.events();
                        List<Long> tokens =
                                events.stream().map(PoolEvent::token).toList();
                        assertEquals(LongStream.rangeClosed(1, last).boxed().toList(), tokens, "tokens 1.." + last);
                        assertTrue(
                                events.stream().noneMatch(e -> e.kind() == PoolEvent.Kind.ALERT),
                                "no events lost, none to report");
                        Set<String> seen = events.stream()
                                .filter(e -> e.kind() == PoolEvent.Kind.CHANGE
                                        && e.name().equals("vm-create"))
                                .map(e -> e.params().get("vm"))
                                .collect(Collectors.toSet());
                        assertEquals(created, seen, "vm-create events");
                    }
                    // Every member applies the same commands in the same order: both streams are the same.
                    assertEquals(embedded.events(), remote.events());
                    System.out.printf("events: %d events seen by each watcher, %d resumes each%n", last, RESUMES);
                }
            }
        }
    }
}
