package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member joining a pool with a long history catches up through a Raft snapshot, not by replaying the log: after
 * 10,000 commits the master has snapshotted (every 4,096 log entries), the joiner installs that snapshot and ends
 * with the master's state.
 *
 * <p>No API tells how a member caught up, so the test reads the joiner's Raft storage: a log that does not start at
 * index 0 and a snapshot file it did not take itself mean it was sent a snapshot.
 */
@Timeout(150)
class SnapshotCatchUpTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int COMMITS = 10_000;
    /** Commands in flight: enough to keep the pipeline full, few enough to leave thousands of log entries. */
    private static final int WINDOW = 32;

    @TempDir
    Path dir;

    @Test
    void aFourthMemberJoiningAfterTenThousandCommitsCatchesUpThroughASnapshot() throws Exception {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.soleMaster().orElseThrow();
            RatisPoolMember masterMember = pool.member(master);
            List<VmId> vms = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                vms.add(masterMember.pool().blocking().createVm(VmSpec.of("vm" + i, 1L << 30, 1)));
            }

            // Pipelined: WINDOW renames in flight at a time, until 10,000 are committed and the master's log has
            // grown past a snapshot (batching decides how many entries 10,000 commands take).
            long started = System.nanoTime();
            Semaphore window = new Semaphore(WINDOW);
            AtomicInteger committed = new AtomicInteger();
            // Only a busy machine's election could make a write uncertain; such writes are simply not counted.
            AtomicInteger uncertain = new AtomicInteger();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            int sent = 0;
            while (committed.get() < COMMITS
                    || RaftFiles.snapshotIndexes(pool.storage(master)).isEmpty()) {
                assertTrue(window.tryAcquire(30, TimeUnit.SECONDS), "a write stayed unanswered for 30 s");
                int n = sent++;
                masterMember
                        .pool()
                        .submit(new PoolCommand(
                                "history/" + n,
                                0,
                                0,
                                new Operation.VmParamSet(vms.get(n % vms.size()), "name-label", "name-" + n)))
                        .whenComplete((reply, error) -> {
                            if (error != null && !LoadWriters.isUncertain(error)) {
                                failures.add(error);
                            } else if (error != null) {
                                uncertain.incrementAndGet();
                            } else if (reply.rejection().isPresent()) {
                                failures.add(new AssertionError(
                                        reply.rejection().get().toString()));
                            } else {
                                committed.incrementAndGet();
                            }
                            window.release();
                        });
            }
            assertTrue(window.tryAcquire(WINDOW, 30, TimeUnit.SECONDS), "writes stayed unanswered for 30 s");
            assertEquals(List.of(), failures);
            long writtenMs = (System.nanoTime() - started) / 1_000_000;
            long masterSnapshot = RaftFiles.snapshotIndexes(pool.storage(master)).stream()
                    .mapToLong(Long::longValue)
                    .max()
                    .orElseThrow();
            System.out.printf(
                    "snapshot catch-up: %d commits (%d uncertain) in %d ms (window %d), master log index %d,"
                            + " snapshot at %d%n",
                    committed.get(),
                    uncertain.get(),
                    writtenMs,
                    WINDOW,
                    masterMember.applied().logIndex(),
                    masterSnapshot);

            long joinStarted = System.nanoTime();
            RatisPoolMember joiner = pool.add(master);
            int joinerIndex = pool.size() - 1;
            await().atMost(WAIT).untilAsserted(() -> {
                assertEquals(masterMember.applied().sequence(), joiner.applied().sequence());
                assertEquals(masterMember.applied().state(), joiner.applied().state());
            });
            System.out.printf(
                    "snapshot catch-up: joiner caught up in %d ms%n", (System.nanoTime() - joinStarted) / 1_000_000);
            assertEquals(4, joiner.applied().state().hosts().size());
            assertEquals(
                    HostRole.VOTER,
                    joiner.applied().state().hosts().get(pool.host(joinerIndex)).role());

            // It was sent the snapshot: its log does not start at 0, and it holds a snapshot that covers everything
            // before its log, which it could not have taken itself (it applied far fewer entries than the
            // threshold).
            long joinerFirstIndex =
                    RaftFiles.firstLogIndex(pool.storage(joinerIndex)).orElseThrow();
            List<Long> joinerSnapshots = RaftFiles.snapshotIndexes(pool.storage(joinerIndex));
            System.out.printf(
                    "snapshot catch-up: joiner log starts at %d, its snapshots %s%n",
                    joinerFirstIndex, joinerSnapshots);
            assertTrue(joinerFirstIndex > 0, "the joiner's log starts at 0: it replayed the log");
            assertTrue(
                    !joinerSnapshots.isEmpty()
                            && joinerSnapshots.get(joinerSnapshots.size() - 1) >= joinerFirstIndex - 1,
                    "joiner's snapshots " + joinerSnapshots + " do not cover the log before " + joinerFirstIndex);
            assertTrue(
                    masterMember.applied().logIndex() - joinerFirstIndex < 4_096,
                    "the joiner applied enough entries to take a snapshot itself");

            // And it takes part: a write through the joiner reaches every member.
            VmId after = joiner.pool().blocking().createVm(VmSpec.of("after-join", 1L << 30, 1));
            await().atMost(WAIT).until(() -> pool.members().stream()
                    .allMatch(m -> m.applied().state().vms().containsKey(after)));
        }
    }
}
