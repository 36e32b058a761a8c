package io.poolkeeper.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.codec.SnapshotCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The request window's retention rule ({@link AppliedRequests}): eviction by age in pool time and by count, pool
 * time that only moves forward and only as far as a stamp, unknown times, renumbering and trimming for an import,
 * and a seeded random comparison against a naive model that also round-trips the window through a snapshot.
 */
@Timeout(60)
class AppliedRequestsTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;
    private static final long HORIZON = AppliedRequests.DEFAULT_HORIZON_MILLIS;

    @Test
    void anEntryStaysForTheHorizonInPoolTimeThenLeaves() {
        AppliedRequests w = AppliedRequests.empty(100, 1_000);
        w = w.plus("a", 1, T0, Result.DONE);
        w = w.plus("b", 2, T0 + 400, Result.DONE);
        w = w.plus("c", 3, T0 + 1_000, Result.DONE);
        assertEquals(List.of("a", "b", "c"), ids(w), "exactly the horizon old: kept");

        w = w.plus("d", 4, T0 + 1_001, Result.DONE);
        assertEquals(List.of("b", "c", "d"), ids(w), "a is past the horizon");
        assertEquals(T0 + 1_001, w.poolTimeMillis());

        w = w.plus("e", 5, T0 + 10_000, Result.DONE);
        assertEquals(List.of("e"), ids(w), "a long quiet spell: everything older left, never the new one");
    }

    @Test
    void theCountCapEvictsTheOldestWhateverTheirAge() {
        AppliedRequests w = AppliedRequests.empty(3, HORIZON);
        for (int i = 1; i <= 5; i++) {
            w = w.plus("r" + i, i, T0 + i, Result.DONE);
        }
        assertEquals(List.of("r3", "r4", "r5"), ids(w));
        assertEquals(3, w.size());
    }

    /** "Aa" and "BB" have equal {@link String#hashCode}s: so do all strings of them of one length. */
    @Test
    void idsWithEqualStringHashesAreKeptApart() {
        List<String> colliding = new ArrayList<>(List.of(""));
        for (int round = 0; round < 8; round++) {
            List<String> longer = new ArrayList<>();
            colliding.forEach(prefix -> {
                longer.add(prefix + "Aa");
                longer.add(prefix + "BB");
            });
            colliding = longer;
        }
        assertEquals(1, colliding.stream().map(String::hashCode).distinct().count(), "all 256 ids collide");
        AppliedRequests w = AppliedRequests.empty(200, HORIZON);
        for (int i = 0; i < colliding.size(); i++) {
            w = w.plus(colliding.get(i), i + 1, T0, Result.DONE);
        }
        assertEquals(colliding.subList(56, 256), ids(w), "the 200 newest, oldest first");
        assertTrue(w.find(colliding.get(55)).isEmpty(), "evicted");
        assertEquals(57, w.find(colliding.get(56)).orElseThrow().logIndex());
    }

    @Test
    void theDefaultsKeepTwentyThousandCommandsOfTenSeconds() {
        // The case: at about 12,000 commands/s, 20,000 later commands (under 2 s) must not push a request out.
        AppliedRequests w = AppliedRequests.empty().plus("first", 1, T0, Result.DONE);
        for (int i = 2; i <= 20_001; i++) {
            w = w.plus("later-" + i, i, T0 + i / 12, Result.DONE);
        }
        assertTrue(w.find("first").isPresent());
        // ... and a client retrying for its whole 10 s at that rate too (120,000 commands).
        for (int i = 20_002; i <= 120_001; i++) {
            w = w.plus("later-" + i, i, T0 + i / 12, Result.DONE);
        }
        assertTrue(w.find("first").isPresent());
    }

    @Test
    void aStampBehindPoolTimeNeitherMovesItBackNorKeepsEntriesLonger() {
        AppliedRequests w = AppliedRequests.empty(100, 1_000);
        w = w.plus("a", 1, T0, Result.DONE);
        w = w.plus("b", 2, T0 + 900, Result.DONE);
        // A new master whose clock is an hour behind.
        w = w.plus("c", 3, T0 - HOUR, Result.DONE);
        assertEquals(T0 + 900, w.poolTimeMillis(), "pool time stands still");
        assertEquals(T0 + 900, w.find("c").orElseThrow().appliedAtMillis(), "c counts as applied at pool time");
        assertEquals(List.of("a", "b", "c"), ids(w));

        w = w.plus("d", 4, T0 + 1_500, Result.DONE);
        assertEquals(List.of("b", "c", "d"), ids(w), "a leaves on schedule; the late stamp did not extend it");
        // An evicted id never comes back, whatever the stamps after it.
        w = w.plus("e", 5, T0, Result.DONE);
        assertEquals(Optional.empty(), w.find("a"));
    }

    @Test
    void aStampAheadMovesPoolTimeOnlyAsFarAsItself() {
        AppliedRequests w = AppliedRequests.empty(100, HORIZON);
        for (int i = 0; i < 10; i++) {
            w = w.plus("old-" + i, i, T0 + i * 60_000L, Result.DONE); // one a minute, for ten minutes
        }
        assertEquals(List.of("old-4", "old-5", "old-6", "old-7", "old-8", "old-9"), ids(w), "5 min old: kept");
        // A master whose clock is 2 minutes ahead: entries within horizon - 2 min of the old pool time stay.
        long ahead = T0 + 9 * 60_000L + 120_000L;
        w = w.plus("ahead", 10, ahead, Result.DONE);
        assertEquals(ahead, w.poolTimeMillis());
        for (String id : ids(w)) {
            assertTrue(ahead - w.find(id).orElseThrow().appliedAtMillis() <= HORIZON, id);
        }
        // old-4 and old-5 left up to 2 min early; entries younger than horizon - 2 min in real time all stayed.
        assertEquals(List.of("old-6", "old-7", "old-8", "old-9", "ahead"), ids(w));
        // Correct clocks again: pool time waits for them, nothing else leaves.
        w = w.plus("back", 11, T0 + 9 * 60_000L + 1_000, Result.DONE);
        assertEquals(ahead, w.poolTimeMillis());
        assertEquals(List.of("old-6", "old-7", "old-8", "old-9", "ahead", "back"), ids(w));
    }

    @Test
    void entriesOfUnknownTimeCountAsAppliedWhenATimeIsFirstKnown() {
        // A window read from a version-1 snapshot: no times.
        AppliedRequests w = AppliedRequests.empty(100, 1_000);
        w = w.plus("v1-a", 1, 0, Result.DONE);
        w = w.plus("v1-b", 2, 0, Result.DONE);
        assertEquals(0, w.poolTimeMillis());

        w = w.plus("first-stamped", 3, T0, Result.DONE);
        assertEquals(List.of("v1-a", "v1-b", "first-stamped"), ids(w), "not evicted as if applied at time 0");
        assertEquals(T0, w.find("v1-a").orElseThrow().appliedAtMillis());

        w = w.plus("later", 4, T0 + 1_001, Result.DONE);
        assertEquals(List.of("later"), ids(w), "then aged like the entry that gave them their time");
    }

    @Test
    void unstampedCommandsAfterAKnownTimeTakePoolTime() {
        AppliedRequests w = AppliedRequests.empty(100, 1_000).plus("a", 1, T0, Result.DONE);
        w = w.plus("b", 2, 0, Result.DONE);
        assertEquals(T0, w.find("b").orElseThrow().appliedAtMillis());
        assertEquals(T0, w.poolTimeMillis());
    }

    @Test
    void aFarFutureStampCannotOverflowTheAge() {
        AppliedRequests w = AppliedRequests.empty(100, 1_000).plus("a", 1, T0, Result.DONE);
        w = w.plus("far", 2, Long.MAX_VALUE, Result.DONE);
        assertEquals(List.of("far"), ids(w));
        w = w.plus("next", 3, T0, Result.DONE);
        assertEquals(List.of("far", "next"), ids(w), "pool time is stuck at the far stamp: the count bounds it");
    }

    @Test
    void renumberingForAnImportKeepsTimesAndOrderAndAgesOnFromThere() {
        AppliedRequests w = AppliedRequests.empty(100, 1_000);
        w = w.plus("x", 500, T0, Result.DONE);
        w = w.plus("y", 501, T0 + 600, new Result.Placed(HostId.of("00000001-0000-4000-8000-000000000000")));
        AppliedRequests renumbered = w.renumberedBeforeZero();
        assertEquals(List.of(-2L, -1L), List.copyOf(renumbered.byIndex().keySet()));
        assertEquals(List.of("x", "y"), ids(renumbered));
        assertEquals(T0 + 600, renumbered.poolTimeMillis());
        assertEquals(
                w.find("y").orElseThrow().result(),
                renumbered.find("y").orElseThrow().result());
        assertEquals(T0, renumbered.find("x").orElseThrow().appliedAtMillis());

        AppliedRequests next = renumbered.plus("new", 1, T0 + 1_200, Result.DONE);
        assertEquals(List.of("y", "new"), ids(next));
    }

    @Test
    void anImportCarriesOnlyTheNewestIds() {
        AppliedRequests w = AppliedRequests.empty();
        int n = AppliedRequests.IMPORT_LIMIT + 5;
        for (int i = 1; i <= n; i++) {
            w = w.plus("r" + i, i, T0 + i, Result.DONE);
        }
        PoolState survivor = PoolState.empty().withRequests(w);
        Operation.PoolImport op =
                new Operation.PoolImport(survivor, 2, HostId.of("00000001-0000-4000-8000-000000000000"));
        AppliedRequests carried = op.imported().requests();
        assertEquals(AppliedRequests.IMPORT_LIMIT, carried.size());
        assertEquals(Optional.empty(), carried.find("r5"));
        assertTrue(carried.find("r6").isPresent());
        assertEquals(T0 + n, carried.poolTimeMillis());
        assertEquals(carried, w.newest(AppliedRequests.IMPORT_LIMIT));
        assertEquals(w, w.newest(n), "a window within the limit is carried whole");
    }

    /**
     * Random stamps from several masters with skewed clocks (behind, ahead, jumping), random bounds: the window
     * keeps exactly what a naive model says, and a copy that went through a snapshot midway stays equal to it.
     */
    @Test
    void matchesANaiveModelAndSurvivesASnapshotAnywhere() {
        long seed = Long.getLong("poolkeeper.seed", System.nanoTime());
        System.out.printf("AppliedRequestsTest: seed=%d (-Dpoolkeeper.seed=%d reproduces)%n", seed, seed);
        Random random = new Random(seed);
        for (int run = 0; run < 200; run++) {
            int capacity = 1 + random.nextInt(40);
            long horizon = 1 + random.nextInt(2_000);
            AppliedRequests w = AppliedRequests.empty(capacity, horizon);
            AppliedRequests copy = w;
            List<long[]> model = new ArrayList<>(); // {sequence, time}, oldest first
            long poolTime = 0;
            long realTime = T0;
            long skew = 0;
            int length = 1 + random.nextInt(200);
            int snapshotAt = random.nextInt(length);
            for (int k = 0; k < length; k++) {
                realTime += random.nextInt(300);
                if (random.nextInt(20) == 0) {
                    skew = random.nextInt(3) == 0 ? 0 : random.nextInt(4_000) - 2_000; // a new master
                }
                long stamp = random.nextInt(30) == 0 ? 0 : realTime + skew;
                long sequence = k + 1;
                w = w.plus("id-" + sequence, sequence, stamp, Result.DONE);
                copy = copy.plus("id-" + sequence, sequence, stamp, Result.DONE);
                if (k == snapshotAt) {
                    copy = SnapshotCodec.decode(
                                    SnapshotCodec.encode(PoolState.empty().withRequests(copy), k))
                            .requests();
                }

                long now = Math.max(poolTime, stamp);
                if (poolTime == 0 && now > 0) {
                    model.forEach(e -> e[1] = now);
                }
                poolTime = now;
                model.add(new long[] {sequence, now});
                model.removeIf(e -> now - e[1] > horizon);
                while (model.size() > capacity) {
                    model.remove(0);
                }
                String where = "seed " + seed + ", run " + run + ", command " + k;
                assertEquals(model.stream().map(e -> "id-" + e[0]).toList(), ids(w), where);
                assertEquals(
                        model.stream().map(e -> e[1]).toList(),
                        w.byIndex().values().stream()
                                .map(AppliedRequests.Entry::appliedAtMillis)
                                .toList(),
                        where);
                assertEquals(poolTime, w.poolTimeMillis(), where);
                assertEquals(w, copy, where);
            }
        }
    }

    private static List<String> ids(AppliedRequests w) {
        // The by-id index holds exactly the entries by index.
        w.byIndex().values().forEach(e -> assertEquals(Optional.of(e), w.find(e.requestId())));
        return w.byIndex().values().stream()
                .map(AppliedRequests.Entry::requestId)
                .toList();
    }
}
