package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.MemberState;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master whose process dies is replaced without waiting for Raft's election timeout: the survivors see its
 * connection refused and the one with the most up-to-date log starts an election at once ({@code LeaderLoss}). The
 * election timeouts here are {@link #ELECTION_MIN}–3.5 s (the founder's first write waits out one), so a new master
 * sooner than that after the kill can only come from it. A master cut off but alive refuses nothing: its followers
 * wait for the timeout.
 */
@Timeout(150)
class LeaderLossTest {
    private static final Duration ELECTION_MIN = Duration.ofSeconds(3);
    private static final MemberTimeouts SLOW_ELECTIONS = new MemberTimeouts(
            Duration.ofMillis(100),
            Duration.ofSeconds(20),
            Duration.ofSeconds(40),
            ELECTION_MIN,
            Duration.ofMillis(3500),
            Duration.ofSeconds(5));

    private static final MemberTimeouts VERY_SLOW_ELECTIONS = new MemberTimeouts(
            Duration.ofMillis(100),
            Duration.ofSeconds(30),
            Duration.ofSeconds(60),
            Duration.ofSeconds(8),
            Duration.ofSeconds(9),
            // Past one election timeout: the founder's first write waits one out.
            Duration.ofSeconds(20));

    @TempDir
    Path dir;

    private TestingPool start(int hosts) {
        return TestingPool.builder(dir)
                .timeouts(SLOW_ELECTIONS)
                .await(Duration.ofSeconds(60))
                .start(hosts);
    }

    @Test
    void theSurvivorsElectAtOnceWhenTheMastersProcessDies() {
        try (TestingPool pool = start(3)) {
            int master = pool.awaitMaster();
            VmId vm = pool.pool(master).createVm(VmSpec.of("before", 1L << 30, 1));
            HostId killed = pool.host(master);
            long killedAt = System.nanoTime();
            pool.kill(master);
            System.out.println(
                    "leader loss: kill() returned after " + (System.nanoTime() - killedAt) / 1_000_000 + " ms");
            int next = pool.awaitMaster();
            long tookMillis = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.println("leader loss: new master " + pool.host(next) + " " + tookMillis + " ms after the kill");
            assertTrue(
                    tookMillis < ELECTION_MIN.toMillis(),
                    "a new master only " + tookMillis + " ms after the kill: the survivors waited for the timeout");
            // The new master takes writes and holds what the old one acknowledged.
            VmId after = pool.pool(next).createVm(VmSpec.of("after", 1L << 30, 1));
            for (int survivor : pool.others(master)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> pool.member(survivor)
                        .applied()
                        .state()
                        .vms()
                        .keySet()
                        .containsAll(List.of(vm, after)));
            }
            assertTrue(!pool.host(next).equals(killed));
        }
    }

    /**
     * The survivor that starts the election reaches a voter it last failed to reach while that voter was down. Its
     * Raft channel to that voter failed then and retries on gRPC's growing backoff (1 s, 1.6 s, 2.6 s, 4.1 s, ...),
     * failing every request at once in between: unless the election renews the channel, the vote request fails
     * without being sent, that election is lost, and the new master waits for the election timeout and wins a term
     * later (session 21's 1,150 ms failover).
     */
    @Test
    void theSurvivorElectsAtOnceWithAVoterItFailedToReachBeforeItsRestart() {
        try (TestingPool pool = start(3)) {
            // The lowest host UUID elects among equal logs: it must be the survivor of both losses.
            List<Integer> byUuid = byUuid(pool);
            int low = byUuid.get(0);
            int middle = byUuid.get(1);
            int high = byUuid.get(2);
            designate(pool, high);
            pool.kill(high);
            // low elects at once, its vote request to the dead high failing: its channel to high starts backing off.
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.soleMaster().equals(Optional.of(low)));
            designate(pool, middle);
            // high stays down long enough for low's channel to it to back off for several seconds (low, a follower
            // now, sends high nothing else that would reset it), then comes back and catches up.
            await().during(Duration.ofSeconds(10))
                    .atMost(Duration.ofSeconds(15))
                    .until(() -> pool.soleMaster().equals(Optional.of(middle)));
            VmId vm = pool.pool(middle).createVm(VmSpec.of("before", 1L << 30, 1));
            pool.restart(high);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> pool.member(high).applied().state().vms().containsKey(vm));
            long term = pool.member(middle).raftTerm();
            long killedAt = System.nanoTime();
            pool.kill(middle);
            int next = pool.awaitMaster();
            long tookMillis = (System.nanoTime() - killedAt) / 1_000_000;
            long elections = pool.member(next).raftTerm() - term;
            System.out.println("leader loss after a restart: new master " + pool.host(next) + " " + tookMillis
                    + " ms after the kill, " + elections + " election(s)");
            // Told by the terms, not the time (a loaded machine's kill alone can take a second): the quick election
            // wins in one term; a vote request failed unsent loses it, and the timeouts' election takes another.
            assertEquals(
                    1,
                    elections,
                    "the new master " + pool.host(next) + " won in term " + (term + elections) + ", the old one's was "
                            + term + ": the quick election failed (" + tookMillis + " ms after the kill)");
        }
    }

    /**
     * The survivor that must elect failed to reach the master while the master's host was down (connection refused:
     * gRPC retries on a growing backoff and fails every call at once in between), and the master came back and took
     * over before that backoff ran out. Unless the watch of the master's process renews the connection, it never
     * sees it open, takes nothing for the process's loss, and the other survivor, which defers to it, waits with it
     * for the election timeout ({@link #VERY_SLOW_ELECTIONS}: 8 s, so that a slow kill on a loaded machine is not
     * taken for it).
     */
    @Test
    void theSurvivorSeesTheLossOfAMasterItFailedToReachWhileItWasDown() {
        try (TestingPool pool = TestingPool.builder(dir)
                .timeouts(VERY_SLOW_ELECTIONS)
                .await(Duration.ofSeconds(60))
                .start(3)) {
            List<Integer> byUuid = byUuid(pool);
            int low = byUuid.get(0);
            int high = byUuid.get(2);
            designate(pool, high);
            pool.kill(high);
            // low's connection to high is refused from now on, and backs off while high stays down.
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.soleMaster().isPresent());
            await().during(Duration.ofSeconds(15))
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> pool.soleMaster().isPresent());
            int master = pool.soleMaster().orElseThrow();
            VmId vm = pool.pool(master).createVm(VmSpec.of("before", 1L << 30, 1));
            pool.restart(high);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> pool.member(high).applied().state().vms().containsKey(vm));
            designate(pool, high);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> pool.member(low).raftLeader().equals(Optional.of(pool.host(high))));
            long killedAt = System.nanoTime();
            pool.kill(high);
            int next = pool.awaitMaster();
            long tookMillis = (System.nanoTime() - killedAt) / 1_000_000;
            System.out.println("leader loss of a master back from the dead: new master " + pool.host(next) + " "
                    + tookMillis + " ms after the kill");
            assertTrue(
                    tookMillis < VERY_SLOW_ELECTIONS.electionTimeoutMin().toMillis(),
                    "a new master only " + tookMillis + " ms after the kill: the survivors waited for the timeout");
        }
    }

    /** The members' indexes, lowest host UUID first: among equal logs the lowest elects. */
    private static List<Integer> byUuid(TestingPool pool) {
        return IntStream.range(0, pool.size())
                .boxed()
                .sorted(Comparator.comparing(pool::host))
                .toList();
    }

    private static void designate(TestingPool pool, int host) {
        int master = pool.awaitMaster();
        if (master != host) {
            pool.pool(master).designateNewMaster(pool.host(host));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> pool.soleMaster().equals(Optional.of(host)));
    }

    @Test
    void aSurvivorWithoutAMajorityStartsNoElection() {
        try (TestingPool pool = start(2)) {
            int master = pool.awaitMaster();
            int survivor = pool.others(master).get(0);
            long term = pool.member(survivor).raftTerm();
            pool.kill(master);
            // Raft's pre-vote, which an election started at once would skip, keeps the term: one voter of two wins
            // none.
            await().during(ELECTION_MIN.plusSeconds(1))
                    .atMost(ELECTION_MIN.plusSeconds(3))
                    .until(() -> pool.member(survivor).raftTerm() == term);
        }
    }

    /**
     * A master lost without a word (a pulled cable) does not answer the new master's generation probe; the new
     * master's writes must not wait out that probe's deadline (the election timeout, 3.5 s here) for a host that led
     * this generation a moment ago and so cannot have founded a newer one.
     */
    @Test
    void aNewMastersFirstWriteDoesNotWaitForTheSilentOldMaster() {
        try (TestingPool pool = start(3)) {
            int master = pool.awaitMaster();
            VmId vm = pool.pool(master).createVm(VmSpec.of("before", 1L << 30, 1));
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.others(master).stream()
                    .allMatch(i -> pool.member(i).raftLeader().equals(Optional.of(pool.host(master)))));
            for (int other : pool.others(master)) {
                pool.cutSilently(master, other);
            }
            // Timed from the member's move to MASTER: the gate holds writes from then on (its own record as master
            // too, which awaitMaster would wait for).
            int next = await().atMost(Duration.ofSeconds(30))
                    .until(
                            () -> pool.others(master).stream()
                                    .filter(i -> pool.member(i).state() == MemberState.MASTER)
                                    .findFirst(),
                            Optional::isPresent)
                    .orElseThrow();
            long before = System.nanoTime();
            pool.pool(next).setVmParam(vm, "name-label", "after");
            long tookMillis = (System.nanoTime() - before) / 1_000_000;
            System.out.println("silent master loss: the new master's first write took " + tookMillis + " ms");
            // Waiting for the probe takes 3.5 s from the move to MASTER; anything under 3 s did not wait for it.
            assertTrue(
                    tookMillis < 3_000,
                    "the new master's first write took " + tookMillis + " ms: it waited for the old master's probe");
        }
    }

    @Test
    void aMasterCutOffButAliveIsLeftToTheElectionTimeout() {
        try (TestingPool pool = start(3)) {
            int master = pool.awaitMaster();
            HostId leader = pool.host(master);
            for (int other : pool.others(master)) {
                pool.cutBoth(master, other);
            }
            // Its connections stay open (a cut drops calls, as a pulled cable does): nothing says its process is gone.
            await().during(ELECTION_MIN.minusSeconds(1)).atMost(ELECTION_MIN).until(() -> pool.others(master).stream()
                    .allMatch(i -> pool.member(i).raftLeader().equals(Optional.of(leader))));
        }
    }
}
