package io.poolkeeper.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.HostId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(60)
class FencerTest {
    // The seed table's hosts: only the UUID prefixes 446… and 586… are given there.
    private static final HostId HOST1 = HostId.of("44600000-0000-0000-0000-000000000001");
    private static final HostId HOST2 = HostId.of("58600000-0000-0000-0000-000000000002");

    private static final HostId A = HostId.of("0a000000-0000-0000-0000-000000000000");
    private static final HostId B = HostId.of("3b000000-0000-0000-0000-000000000000");
    private static final HostId C = HostId.of("7c000000-0000-0000-0000-000000000000");
    private static final HostId D = HostId.of("8d000000-0000-0000-0000-000000000000");
    private static final HostId E = HostId.of("fe000000-0000-0000-0000-000000000000");
    private static final HostId OUTSIDER1 = HostId.of("00000000-0000-0000-0000-00000000000a");
    private static final HostId OUTSIDER2 = HostId.of("00000000-0000-0000-0000-00000000000b");

    // ---------------------------------------------------------------- seed table (2-host pool)

    /** The 8 rows of the seed table, in its order: master, slave, host whose cable is unplugged, host fenced. */
    static Stream<Arguments> seedTableRows() {
        return Stream.of(
                Arguments.of(1, HOST1, HOST2, HOST1, HOST2),
                Arguments.of(2, HOST1, HOST2, HOST2, HOST2),
                Arguments.of(3, HOST1, HOST2, HOST2, HOST2),
                Arguments.of(4, HOST1, HOST2, HOST1, HOST2),
                Arguments.of(5, HOST2, HOST1, HOST2, HOST2),
                Arguments.of(6, HOST2, HOST1, HOST1, HOST2),
                Arguments.of(7, HOST2, HOST1, HOST1, HOST2),
                Arguments.of(8, HOST2, HOST1, HOST2, HOST2));
    }

    @ParameterizedTest(name = "row {0}: master={1} slave={2} unplugged={3} -> fenced={4}")
    @MethodSource("seedTableRows")
    void seedTableTwoHostPoolFencesHigherUuidWhicheverCable(
            int row, HostId master, HostId slave, HostId unplugged, HostId expectedFenced) {
        // Insertion order master-then-slave must not matter: the liveset is sorted by UUID.
        SortedSet<HostId> liveset = new TreeSet<>();
        liveset.add(master);
        liveset.add(slave);
        List<HostId> hosts = List.of(master, slave);

        Set<HostId> masterReaches = reachableAfterUnplugging(master, hosts, unplugged);
        Set<HostId> slaveReaches = reachableAfterUnplugging(slave, hosts, unplugged);
        // Whichever cable is pulled, each host ends up alone: the decision cannot see which cable it was.
        assertEquals(Set.of(master), masterReaches, "row " + row);
        assertEquals(Set.of(slave), slaveReaches, "row " + row);

        HostId expectedSurvivor = master.equals(expectedFenced) ? slave : master;
        assertEquals(HOST1, expectedSurvivor, "row " + row + ": the seed always keeps the lower UUID");
        assertEquals(
                expected(master, expectedFenced),
                Fencer.decide(master, liveset, masterReaches),
                "row " + row + " master " + master);
        assertEquals(
                expected(slave, expectedFenced),
                Fencer.decide(slave, liveset, slaveReaches),
                "row " + row + " slave " + slave);
        assertEquals(
                Optional.of(sorted(expectedSurvivor)),
                Fencer.survivingPartition(liveset, List.of(masterReaches, slaveReaches)),
                "row " + row);
    }

    /** What {@code host} can reach in a pool whose only fault is {@code unplugged}'s cable. */
    private static Set<HostId> reachableAfterUnplugging(HostId host, List<HostId> hosts, HostId unplugged) {
        if (host.equals(unplugged)) {
            return Set.of(host);
        }
        Set<HostId> reachable = new HashSet<>(hosts);
        reachable.remove(unplugged);
        return reachable;
    }

    private static FenceDecision expected(HostId host, HostId fenced) {
        return host.equals(fenced) ? FenceDecision.SELF_FENCE : FenceDecision.SURVIVE;
    }

    // ---------------------------------------------------------------- small pools

    @Test
    void threeHostsLosingOneKeepTheTwoSideForEveryLostHost() {
        SortedSet<HostId> liveset = sorted(A, B, C);
        for (HostId lost : liveset) {
            Set<HostId> rest = new HashSet<>(liveset);
            rest.remove(lost);
            assertEquals(FenceDecision.SELF_FENCE, Fencer.decide(lost, liveset, Set.of(lost)), "lost " + lost);
            for (HostId survivor : rest) {
                assertEquals(
                        FenceDecision.SURVIVE,
                        Fencer.decide(survivor, liveset, rest),
                        "lost " + lost + ", survivor " + survivor);
            }
            assertEquals(
                    Optional.of(new TreeSet<>(rest)),
                    Fencer.survivingPartition(liveset, List.of(Set.of(lost), rest)),
                    "lost " + lost);
        }
    }

    /** The 3 ways to split {A, B, C, D} into 2|2, as the side holding A and the other side. */
    static Stream<Arguments> fourHostSplits() {
        return Stream.of(
                Arguments.of(Set.of(A, B), Set.of(C, D)),
                Arguments.of(Set.of(A, C), Set.of(B, D)),
                Arguments.of(Set.of(A, D), Set.of(B, C)));
    }

    @ParameterizedTest(name = "{0} | {1}")
    @MethodSource("fourHostSplits")
    void fourHostsSplitTwoTwoKeepTheSideWithTheLowestUuid(Set<HostId> lowestSide, Set<HostId> otherSide) {
        SortedSet<HostId> liveset = sorted(A, B, C, D);
        assertEquals(A, liveset.first());
        for (HostId host : lowestSide) {
            assertEquals(FenceDecision.SURVIVE, Fencer.decide(host, liveset, lowestSide), "host " + host);
        }
        for (HostId host : otherSide) {
            assertEquals(FenceDecision.SELF_FENCE, Fencer.decide(host, liveset, otherSide), "host " + host);
        }
        // Both orders of the partition list: the answer must not depend on which side is listed first.
        assertEquals(
                Optional.of(new TreeSet<>(lowestSide)),
                Fencer.survivingPartition(liveset, List.of(lowestSide, otherSide)));
        assertEquals(
                Optional.of(new TreeSet<>(lowestSide)),
                Fencer.survivingPartition(liveset, List.of(otherSide, lowestSide)));
    }

    @Test
    void fiveHostsSplitTwoTwoOneNobodySurvives() {
        SortedSet<HostId> liveset = sorted(A, B, C, D, E);
        int arrangements = 0;
        for (HostId single : liveset) {
            List<HostId> rest = new ArrayList<>(liveset);
            rest.remove(single);
            // Pair rest[0] with each of the other three: every 2|2 split of the remaining four.
            for (int partner = 1; partner < 4; partner++) {
                Set<HostId> first = Set.of(rest.get(0), rest.get(partner));
                Set<HostId> second = new HashSet<>(rest);
                second.removeAll(first);
                List<Set<HostId>> partitions = List.of(first, second, Set.of(single));
                for (Set<HostId> partition : partitions) {
                    for (HostId host : partition) {
                        assertEquals(
                                FenceDecision.SELF_FENCE,
                                Fencer.decide(host, liveset, partition),
                                "partitions " + partitions + ", host " + host);
                    }
                }
                assertEquals(Optional.empty(), Fencer.survivingPartition(liveset, partitions), "" + partitions);
                arrangements++;
            }
        }
        assertEquals(15, arrangements);
    }

    // ---------------------------------------------------------------- edge cases

    @Test
    void hostOutsideTheLivesetFences() {
        SortedSet<HostId> liveset = sorted(A, B, C);
        // Even in the whole pool's partition, and even with the lowest UUID of all.
        assertEquals(FenceDecision.SELF_FENCE, Fencer.decide(OUTSIDER1, liveset, Set.of(OUTSIDER1, A, B, C)));
        assertEquals(FenceDecision.SELF_FENCE, Fencer.decide(OUTSIDER1, sorted(), Set.of(OUTSIDER1)));
        assertEquals(FenceDecision.SURVIVE, Fencer.decide(A, liveset, Set.of(OUTSIDER1, A, B, C)));
    }

    @Test
    void partitionMembersOutsideTheLivesetAreIgnored() {
        SortedSet<HostId> liveset = sorted(A, B, C);
        // |P| = 3 > 3/2, but |P ∩ L| = 1.
        assertEquals(FenceDecision.SELF_FENCE, Fencer.decide(A, liveset, Set.of(A, OUTSIDER1, OUTSIDER2)));
        // The outsiders hold UUIDs lower than anything in L; they must not win the 2|2 tie.
        SortedSet<HostId> four = sorted(A, B, C, D);
        assertEquals(FenceDecision.SELF_FENCE, Fencer.decide(C, four, Set.of(C, D, OUTSIDER1)));
        assertEquals(FenceDecision.SURVIVE, Fencer.decide(A, four, Set.of(A, B)));
        assertEquals(
                Optional.of(sorted(A, B, OUTSIDER2)),
                Fencer.survivingPartition(four, List.of(Set.of(C, D, OUTSIDER1), Set.of(A, B, OUTSIDER2))));
    }

    @Test
    void selfCountsAsInItsPartitionEvenWhenMissing() {
        assertEquals(FenceDecision.SURVIVE, Fencer.decide(A, sorted(A), Set.of()));
        assertEquals(FenceDecision.SURVIVE, Fencer.decide(A, sorted(A, B), Set.of()));
        assertEquals(FenceDecision.SELF_FENCE, Fencer.decide(B, sorted(A, B), Set.of()));
        assertEquals(FenceDecision.SURVIVE, Fencer.decide(A, sorted(A, B, C), Set.of(B)));
    }

    @Test
    void uuidsOrderAsUnsignedStringsNotAsSignedUuidCompareTo() {
        HostId high = HostId.of("f0000000-0000-0000-0000-000000000000");
        HostId low = HostId.of("10000000-0000-0000-0000-000000000000");
        // The trap: UUID.compareTo is signed, so it puts f… first.
        assertTrue(high.value().compareTo(low.value()) < 0);
        assertTrue(high.compareTo(low) > 0);
        SortedSet<HostId> liveset = sorted(high, low);
        assertEquals(low, liveset.first());
        assertEquals(FenceDecision.SURVIVE, Fencer.decide(low, liveset, Set.of(low)));
        assertEquals(FenceDecision.SELF_FENCE, Fencer.decide(high, liveset, Set.of(high)));
    }

    @Test
    void tieBreakUsesNaturalOrderWhateverTheLivesetComparator() {
        SortedSet<HostId> reversed =
                new TreeSet<>(Comparator.<HostId>naturalOrder().reversed());
        reversed.addAll(List.of(A, B, C, D));
        assertEquals(D, reversed.first());
        assertEquals(FenceDecision.SURVIVE, Fencer.decide(A, reversed, Set.of(A, B)));
        assertEquals(FenceDecision.SELF_FENCE, Fencer.decide(D, reversed, Set.of(C, D)));
    }

    @Test
    void nullArgumentsAreRefusedWithAMessage() {
        SortedSet<HostId> liveset = sorted(A, B);
        assertNotNull(assertThrows(NullPointerException.class, () -> Fencer.decide(null, liveset, Set.of()))
                .getMessage());
        assertNotNull(assertThrows(NullPointerException.class, () -> Fencer.decide(A, null, Set.of()))
                .getMessage());
        assertNotNull(assertThrows(NullPointerException.class, () -> Fencer.decide(A, liveset, null))
                .getMessage());
        assertNotNull(assertThrows(NullPointerException.class, () -> Fencer.survivingPartition(null, List.of()))
                .getMessage());
        assertNotNull(assertThrows(NullPointerException.class, () -> Fencer.survivingPartition(liveset, null))
                .getMessage());
        List<Set<HostId>> withNull = new ArrayList<>();
        withNull.add(null);
        assertNotNull(assertThrows(NullPointerException.class, () -> Fencer.survivingPartition(liveset, withNull))
                .getMessage());
    }

    @Test
    void overlappingPartitionsAreRefused() {
        SortedSet<HostId> liveset = sorted(A, B, C);
        // Both would "survive" on their own; disjointness is what guarantees at most one survivor.
        assertThrows(
                IllegalArgumentException.class,
                () -> Fencer.survivingPartition(liveset, List.of(Set.of(A, B), Set.of(B, C))));
    }

    @Test
    void emptyLivesetHasNoSurvivor() {
        assertEquals(Optional.empty(), Fencer.survivingPartition(sorted(), List.of(Set.of(A), Set.of())));
        assertEquals(Optional.empty(), Fencer.survivingPartition(sorted(A), List.of()));
    }

    // ---------------------------------------------------------------- property test

    @Test
    void agreesWithANaiveReferenceOnRandomPartitionings() {
        long seed = Long.getLong("poolkeeper.seed", System.nanoTime());
        System.out.println("FencerTest seed=" + seed);
        Random random = new Random(seed);
        int survivors = 0;
        int decisions = 0;
        for (int trial = 0; trial < 10_000; trial++) {
            String where = "seed=" + seed + " trial=" + trial;
            int size = 1 + random.nextInt(9);
            SortedSet<HostId> liveset = new TreeSet<>();
            while (liveset.size() < size) {
                liveset.add(randomHost(random));
            }
            int groups = 1 + random.nextInt(size);
            List<Set<HostId>> partitions = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                partitions.add(new HashSet<>());
            }
            for (HostId host : liveset) {
                // Now and then a live member is in no partition at all (it crashed): it counts for nobody.
                if (random.nextInt(10) != 0) {
                    partitions.get(random.nextInt(groups)).add(host);
                }
            }
            int extras = random.nextInt(3);
            for (int x = 0; x < extras; x++) {
                HostId outsider = randomHost(random);
                if (!liveset.contains(outsider)) {
                    partitions.get(random.nextInt(groups)).add(outsider);
                }
            }
            where += " liveset=" + liveset + " partitions=" + partitions;

            int survivingGroups = 0;
            Set<HostId> expectedSurvivor = null;
            for (Set<HostId> partition : partitions) {
                FenceDecision groupDecision = null;
                for (HostId host : partition) {
                    FenceDecision actual = Fencer.decide(host, liveset, partition);
                    String at = where + " host=" + host;
                    assertEquals(naiveDecide(host, liveset, partition), actual, at);
                    // A host always reaches itself, so leaving it out of the set must change nothing.
                    Set<HostId> withoutSelf = new HashSet<>(partition);
                    withoutSelf.remove(host);
                    assertEquals(actual, Fencer.decide(host, liveset, withoutSelf), at + " (self omitted)");
                    decisions++;
                    if (!liveset.contains(host)) {
                        assertEquals(FenceDecision.SELF_FENCE, actual, at + " (not in liveset)");
                        continue;
                    }
                    if (groupDecision == null) {
                        groupDecision = actual;
                    }
                    assertEquals(groupDecision, actual, at + " (same partition, same decision)");
                }
                if (groupDecision == FenceDecision.SURVIVE) {
                    survivingGroups++;
                    expectedSurvivor = partition;
                }
            }
            assertTrue(survivingGroups <= 1, where + " survivingGroups=" + survivingGroups);
            survivors += survivingGroups;
            Optional<SortedSet<HostId>> expected =
                    Optional.ofNullable(expectedSurvivor).map(TreeSet::new);
            assertEquals(expected, Fencer.survivingPartition(liveset, partitions), where + " survivingPartition");
        }
        // Guard against a generator that never exercises one of the outcomes.
        assertTrue(survivors > 1_000 && survivors < 10_000, "seed=" + seed + " survivors=" + survivors);
        assertTrue(decisions > 10_000, "seed=" + seed + " decisions=" + decisions);
    }

    /**
     * The survival rule written independently of {@link Fencer}: UUID strings in lists, the lowest found by sorting
     * the strings, the reachable members counted one by one.
     */
    private static FenceDecision naiveDecide(HostId self, SortedSet<HostId> liveset, Set<HostId> partition) {
        List<String> live = new ArrayList<>();
        for (HostId host : liveset) {
            live.add(host.value().toString());
        }
        List<String> reach = new ArrayList<>();
        for (HostId host : partition) {
            reach.add(host.value().toString());
        }
        String me = self.value().toString();
        if (!live.contains(me)) {
            return FenceDecision.SELF_FENCE;
        }
        if (!reach.contains(me)) {
            reach.add(me);
        }
        List<String> sortedLive = new ArrayList<>(live);
        Collections.sort(sortedLive);
        String lowest = sortedLive.get(0);
        int count = 0;
        for (String host : live) {
            if (reach.contains(host)) {
                count++;
            }
        }
        boolean majority = count * 2 > live.size();
        boolean tieWithLowest = count * 2 == live.size() && reach.contains(lowest);
        return majority || tieWithLowest ? FenceDecision.SURVIVE : FenceDecision.SELF_FENCE;
    }

    private static HostId randomHost(Random random) {
        // Full 128 random bits: half the ids start with a hex digit >= 8, where signed order would go wrong.
        return new HostId(new UUID(random.nextLong(), random.nextLong()));
    }

    private static SortedSet<HostId> sorted(HostId... hosts) {
        return new TreeSet<>(List.of(hosts));
    }
}
