package io.poolkeeper.core.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.poolkeeper.api.model.HostId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Reachability}: the judgements one HA member makes from heartbeats (table tests), the same judgements made
 * by every member of small pools exchanging real beats in virtual time ({@link HaSim}, the seed's 2-host table and
 * its bigger cousins), and a seeded random simulation of drifting clocks and links cut per direction that checks
 * "fence before restart" at every event.
 */
@Timeout(60)
class ReachabilityTest {
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;

    /** T = 2 s with a 200 ms heartbeat floor: D = W = 1 s, heartbeat 200 ms, ε = 400 ms, declareAfter 2.5 s. */
    private static final Duration T = Duration.ofSeconds(2);

    private static final FenceDeadlines SHORT = FenceDeadlines.of(T, Duration.ofMillis(200), 0.1, 2);
    private static final long HEARTBEAT =
            FenceDeadlines.heartbeatInterval(T, Duration.ofMillis(200)).toNanos();
    private static final long D = SHORT.detection().toNanos();
    private static final long W = SHORT.fenceWindow().toNanos();
    private static final long SPAN = SHORT.declareAfter();

    private static final HostId A = HostId.of("0a000000-0000-0000-0000-000000000000");
    private static final HostId B = HostId.of("3b000000-0000-0000-0000-000000000000");
    private static final HostId C = HostId.of("7c000000-0000-0000-0000-000000000000");
    private static final HostId E = HostId.of("8e000000-0000-0000-0000-000000000000");
    private static final HostId OUTSIDER = HostId.of("00000000-0000-0000-0000-00000000000a");

    // ================================================================ 1. one member, table tests

    /**
     * Rows: how long self has not heard B when it judges, how long B said (in its newest beat, arrived at 10 s) it
     * had not heard self, and whether B is in self's partition. Mutual contact within D, both ways, B's silence
     * counted up to now (the silence it reported plus the time since the report arrived).
     */
    static Stream<Arguments> contactRows() {
        return Stream.of(
                Arguments.of(0L, 0L, true),
                Arguments.of(D - 1, 0L, true),
                Arguments.of(0L, D - 1, true),
                Arguments.of(D, 0L, false),
                Arguments.of(0L, D, false),
                Arguments.of(5 * D, 0L, false),
                Arguments.of(0L, 5 * D, false),
                // B's silence of self keeps growing after its beat: 500 ms later, a beat saying 500 ms means 1 s
                Arguments.of(D / 2, D / 2 - 1, true),
                Arguments.of(D / 2, D / 2, false),
                Arguments.of(D - 1, 1L, false));
    }

    @ParameterizedTest(name = "self silent {0} ns, B silent {1} ns -> in partition {2}")
    @MethodSource("contactRows")
    @Timeout(10)
    void partitionIsMutualContactWithinDetection(long mine, long theirs, boolean in) {
        SortedSet<HostId> liveset = sorted(A, B, C);
        Reachability a = new Reachability(A, SHORT, 0);
        long arrival = 10 * SECOND;
        assertTrue(a.heard(B, report(5, arrival, Map.of(A, theirs, C, 0L)), arrival));
        assertEquals(in ? sorted(A, B) : sorted(A), a.partition(liveset, arrival + mine));
    }

    @Test
    @Timeout(10)
    void aOneWayCutTakesTheHostOutOfThePartitionOnBothSides() {
        // h0 -> h1 cut: h1 no longer hears h0; h0 still hears h1, and learns from h1's beats that h1 lost it.
        HaSim sim = sim(SHORT, HEARTBEAT, List.of(A, B, C), new double[] {1, 1, 1}, 1 * MS, new Random(1));
        sim.runUntil(3 * SECOND);
        assertAllInContact(sim);
        sim.link(0, 1, false);
        sim.runUntil(3 * SECOND + D + 2 * HEARTBEAT);
        assertEquals(sorted(A, C), partition(sim, 0), "h0 hears h1, but h1 says it no longer hears h0");
        assertEquals(sorted(B, C), partition(sim, 1), "h1 does not hear h0");
        assertEquals(sorted(A, B, C), partition(sim, 2));
        sim.link(0, 1, true);
        sim.runUntil(3 * SECOND + D + 5 * HEARTBEAT);
        assertAllInContact(sim);
    }

    @Test
    @Timeout(10)
    void aHostNeverHeardSinceArmingIsNotInThePartition() {
        SortedSet<HostId> liveset = sorted(A, B, C);
        long armed = 1_000 * SECOND;
        Reachability a = new Reachability(A, SHORT, armed);
        assertEquals(sorted(A), a.partition(liveset, armed));
        assertEquals(sorted(A), a.partition(liveset, armed + D / 2));
        // Silent since arming, not since the beginning of its clock.
        assertEquals(Map.of(B, D / 2, C, D / 2), a.silences(liveset, armed + D / 2));
        // C's beat names B but not A: C has not heard A either, so C is not in A's partition; B never beat at all.
        assertTrue(a.heard(C, report(1, armed + D / 2, Map.of(B, 0L)), armed + D / 2));
        assertEquals(sorted(A), a.partition(liveset, armed + D / 2));
        assertEquals(Map.of(B, D / 2, C, 0L), a.silences(liveset, armed + D / 2));
    }

    @Test
    @Timeout(10)
    void aDelayedOrRepeatedBeatIsIgnored() {
        SortedSet<HostId> liveset = sorted(A, B, C);
        Reachability a = new Reachability(A, SHORT, 0);
        long t = 5 * SECOND;
        // B's newest beat (sent at its clock 900) says it lost A.
        assertTrue(a.heard(B, report(900, t, Map.of(A, D)), t));
        assertEquals(sorted(A), a.partition(liveset, t));
        // An older beat (sent at 800) arrives late saying B hears A: it must not bring B back, nor count as contact.
        assertFalse(a.heard(B, report(800, t + 100 * MS, Map.of(A, 0L)), t + 100 * MS));
        assertFalse(a.heard(B, report(900, t + 100 * MS, Map.of(A, 0L)), t + 100 * MS), "same sentNanos");
        assertEquals(sorted(A), a.partition(liveset, t + 100 * MS));
        assertEquals(100 * MS, a.silences(liveset, t + 100 * MS).get(B), "the ignored beat is no contact");
        // Only B's own clock orders B's beats: a huge sentNanos from C says nothing about B's.
        assertTrue(a.heard(C, report(Long.MAX_VALUE - 1, t, Map.of(A, 0L)), t));
        assertTrue(a.heard(B, report(901, t + 200 * MS, Map.of(A, 0L)), t + 200 * MS));
        assertEquals(sorted(A, B, C), a.partition(liveset, t + 200 * MS));
        assertFalse(a.heard(A, report(10_000, t, Map.of()), t), "a beat from oneself is ignored");
    }

    @Test
    @Timeout(10)
    void selfFenceIsDueOnlyAfterWOfContinuousSelfFenceAndResetsWhenTheDecisionFlipsBack() {
        // C is the higher host of {A, C}: alone it does not survive.
        SortedSet<HostId> liveset = sorted(A, C);
        long armed = 100 * SECOND;
        Reachability c = new Reachability(C, SHORT, armed);
        assertFalse(c.selfFenceDue(liveset, armed));
        assertEquals(Optional.of(armed), c.outsideSince());
        assertFalse(c.selfFenceDue(liveset, armed + W - 1));
        assertTrue(c.selfFenceDue(liveset, armed + W));
        // A mutual beat from A: C survives again, and the clock starts over.
        long t = armed + W + 10 * MS;
        assertTrue(c.heard(A, report(1, t, Map.of(C, 0L)), t));
        assertFalse(c.selfFenceDue(liveset, t));
        assertEquals(Optional.empty(), c.outsideSince());
        // A stops hearing C: its next beat says so; C is outside again from the first evaluation after that.
        long lost = t + 500 * MS;
        assertTrue(c.heard(A, report(2, lost, Map.of(C, D)), lost));
        assertFalse(c.selfFenceDue(liveset, lost));
        assertFalse(c.selfFenceDue(liveset, lost + W - 1), "W counts from the flip, not from the first outside spell");
        assertTrue(c.selfFenceDue(liveset, lost + W));
        // A, the lowest host, survives alone in a 2-host pool and never has to fence.
        Reachability a = new Reachability(A, SHORT, armed);
        for (long at = armed; at < armed + 10 * SPAN; at += HEARTBEAT) {
            assertFalse(a.selfFenceDue(liveset, at));
        }
        assertEquals(Optional.empty(), a.outsideSince());
    }

    @Test
    @Timeout(10)
    void aHostOutsideTheLivesetNeverFencesAndDeclaresNobody() {
        SortedSet<HostId> liveset = sorted(A, B, C);
        Reachability outsider = new Reachability(OUTSIDER, SHORT, 0);
        for (long at = 0; at < 10 * SPAN; at += HEARTBEAT) {
            assertFalse(outsider.selfFenceDue(liveset, at));
            assertEquals(Optional.empty(), outsider.outsideSince());
        }
        // Even with every member saying it has long lost B and C, an outsider declares nobody fenced.
        long t = 10 * SPAN;
        outsider.heard(A, report(1, t, Map.of(OUTSIDER, 0L, B, 3 * SPAN, C, 3 * SPAN)), t);
        assertEquals(sorted(), outsider.fenced(liveset, t));
        // And an outsider is not in anybody's partition.
        Reachability a = new Reachability(A, SHORT, 0);
        a.heard(OUTSIDER, report(1, t, Map.of(A, 0L)), t);
        assertEquals(sorted(A), a.partition(liveset, t));
    }

    @Test
    @Timeout(10)
    void fencedIsEmptyUnlessSelfSurvives() {
        SortedSet<HostId> liveset = sorted(A, C);
        long armed = 0;
        Reachability a = new Reachability(A, SHORT, armed);
        Reachability c = new Reachability(C, SHORT, armed);
        // Neither has ever heard the other. A (lowest) survives alone and declares C once silent for the span;
        // C does not survive and declares nobody, ever.
        assertEquals(sorted(), a.fenced(liveset, armed + SPAN - 1));
        assertEquals(sorted(C), a.fenced(liveset, armed + SPAN));
        for (long at = armed; at < armed + 10 * SPAN; at += HEARTBEAT) {
            assertEquals(sorted(), c.fenced(liveset, at));
        }
        // Three hosts: B alone does not survive, so it declares nobody, however long it has lost A and C.
        Reachability b = new Reachability(B, SHORT, armed);
        assertEquals(sorted(), b.fenced(sorted(A, B, C), armed + 10 * SPAN));
    }

    /**
     * The liveset grew (A re-admitted) after B last heard the master: B's copy still says {B, C, E}, against which its
     * side {B, C} is a majority and does not fence. E and A, a tie holding the lowest UUID of {A, B, C, E}, must not
     * declare B then: B's last beat names the liveset it judges by, and E and A are not a surviving set of that one.
     * Found by the pool simulator (scenario readmission-unseen-by-a-cut-host).
     */
    @Test
    @Timeout(10)
    void aLostHostIsNotDeclaredByASetThatLosesAgainstTheLivesetItLastReported() {
        SortedSet<HostId> liveset = sorted(A, B, C, E);
        for (boolean bKnowsA : new boolean[] {false, true}) {
            Reachability e = new Reachability(E, SHORT, 0);
            Map<HostId, Long> bSilences = bKnowsA ? Map.of(A, 0L, C, 0L, E, 0L) : Map.of(C, 0L, E, 0L);
            assertTrue(e.heard(B, report(1, SECOND, bSilences), SECOND));
            long now = SECOND + SPAN + HEARTBEAT;
            assertTrue(e.heard(A, report(2, now, Map.of(B, now - SECOND, C, 0L, E, 0L)), now));
            assertTrue(e.heard(C, report(2, now, Map.of(A, 0L, B, 0L, E, 0L)), now));
            assertEquals(sorted(A, C, E), e.partition(liveset, now));
            assertEquals(bKnowsA ? sorted(B) : sorted(), e.fenced(liveset, now), "B knows A: " + bKnowsA);
        }
    }

    /** The pool is fully protected again only once every other live host has reported the grown liveset here. */
    @Test
    @Timeout(10)
    void theLivesetIsAgreedOnceEveryOtherHostReportedIt() {
        SortedSet<HostId> liveset = sorted(A, B, C);
        Reachability a = new Reachability(A, SHORT, 0);
        assertFalse(a.livesetAgreed(liveset), "nothing heard yet");
        assertTrue(a.heard(B, report(1, SECOND, Map.of(A, 0L, C, 0L)), SECOND));
        assertTrue(a.heard(C, report(1, SECOND, Map.of(B, 0L)), SECOND));
        assertFalse(a.livesetAgreed(liveset), "C's copy does not have A back yet");
        assertTrue(a.heard(C, report(2, SECOND + HEARTBEAT, Map.of(A, 0L, B, 0L)), SECOND + HEARTBEAT));
        assertTrue(a.livesetAgreed(liveset));
        assertFalse(a.livesetAgreed(sorted(A, B, C, E)), "E never beat here");
    }

    /**
     * Rows for A judging C in {A, B, C}. A has not heard C since it was armed at 0; B's newest beat, arrived at
     * {@code bReportAt}, says B had not heard C since {@code bLastHeard} (on A's clock); A judges at {@code now}, in
     * contact with B. A alone does not survive, so C is fenced only if A and B were silent of C together for the span.
     */
    static Stream<Arguments> witnessRows() {
        return Stream.of(
                Arguments.of(SECOND, SECOND + SPAN, SECOND + SPAN, true),
                Arguments.of(SECOND, SECOND + SPAN, SECOND + SPAN + D / 2, true),
                // B's silence is shorter than the span: B is no witness
                Arguments.of(SECOND, SECOND + SPAN - 1, SECOND + SPAN, false),
                // B lost C before A was armed; together silent from 0 on, for the span at B's report
                Arguments.of(-SECOND, SPAN, SPAN, true),
                // ... but for 1 ns less than the span: long enough alone, not together
                Arguments.of(-SECOND, SPAN - 1, SPAN + D / 2, false));
    }

    @ParameterizedTest(name = "B lost C at {0}, still silent at {1}, A judges at {2} -> C fenced {3}")
    @MethodSource("witnessRows")
    @Timeout(10)
    void aLostHostIsFencedOnlyWhenASurvivingSetOfWitnessesWasSilentTogetherForTheSpan(
            long bLastHeard, long bReportAt, long now, boolean fenced) {
        SortedSet<HostId> liveset = sorted(A, B, C);
        Reachability a = new Reachability(A, SHORT, 0);
        assertTrue(a.heard(B, report(1, bReportAt, Map.of(A, 0L, C, bReportAt - bLastHeard)), bReportAt));
        assertEquals(sorted(A, B), a.partition(liveset, now));
        assertEquals(fenced ? sorted(C) : sorted(), a.fenced(liveset, now));
    }

    @Test
    @Timeout(10)
    void aWitnessStillHearingTheLostHostPreventsTheDeclaration() {
        SortedSet<HostId> liveset = sorted(A, B, C);
        Reachability a = new Reachability(A, SHORT, 0);
        long now = 10 * SPAN;
        // B still hears C: {A} alone does not survive, so C is not provably fenced though A lost it long ago.
        assertTrue(a.heard(B, report(1, now, Map.of(A, 0L, C, 0L)), now));
        assertEquals(sorted(), a.fenced(liveset, now));
        // The lost host's own report never counts as a witness of itself.
        assertTrue(a.heard(C, report(1, 0, Map.of(A, 0L, B, 0L, C, 10 * SPAN)), 0));
        assertEquals(sorted(), a.fenced(liveset, now));
    }

    @Test
    @Timeout(10)
    void mostUpToDateIsTermThenIndexThenLowestUuid() {
        Reachability a = new Reachability(A, SHORT, 0);
        Reachability.Report fromB = new Reachability.Report(1, 1, new TreeMap<>(), 3, 10);
        Reachability.Report fromC = new Reachability.Report(1, 1, new TreeMap<>(), 3, 12);
        Reachability.Report fromE = new Reachability.Report(1, 1, new TreeMap<>(), 2, 100);
        a.heard(B, fromB, 1);
        a.heard(C, fromC, 1);
        a.heard(E, fromE, 1);
        assertEquals(C, a.mostUpToDate(sorted(A, B, C, E), 3, 11), "term 3 beats term 2, index 12 beats 11 and 10");
        assertEquals(A, a.mostUpToDate(sorted(A, B, C, E), 4, 0), "a higher term wins whatever the index");
        assertEquals(B, a.mostUpToDate(sorted(A, B, E), 1, 1_000));
        assertEquals(E, a.mostUpToDate(sorted(A, E), 1, 1_000));
        assertEquals(A, a.mostUpToDate(sorted(A, C), 3, 12), "tie: the lowest UUID, here self");
        a.heard(E, new Reachability.Report(2, 2, new TreeMap<>(), 3, 12), 2);
        assertEquals(C, a.mostUpToDate(sorted(C, E), 0, 0), "tie between two others: the lower UUID");
        assertEquals(A, a.mostUpToDate(sorted(A, C, E), 3, 12));
        assertEquals(B, a.mostUpToDate(sorted(B, OUTSIDER), 99, 99), "a host without a report is no candidate");
        assertEquals(A, a.mostUpToDate(sorted(OUTSIDER), 0, 0), "no candidate at all: self");
    }

    // ================================================================ 2. small pools in virtual time

    enum Cut {
        BOTH,
        LOWER_TO_HIGHER,
        HIGHER_TO_LOWER
    }

    static Stream<Arguments> twoHostRows() {
        return Arrays.stream(Cut.values())
                .flatMap(cut -> LongStream.range(0, 8).mapToObj(seed -> Arguments.of(cut, seed)));
    }

    /**
     * The seed's 2-host table with random UUIDs: whichever way the link breaks, the higher UUID fences about T
     * after the cut and the lower never does; the lower declares the higher fenced only once it has not heard it
     * for declareAfter, and does so.
     */
    @ParameterizedTest(name = "cut {0}, uuid seed {1}")
    @MethodSource("twoHostRows")
    @Timeout(10)
    void twoHostsTheHigherUuidFencesWhicheverWayTheLinkBreaks(Cut cut, long seed) {
        Random random = new Random(seed);
        List<HostId> ids = randomIds(random, 2);
        int lower = ids.get(0).compareTo(ids.get(1)) < 0 ? 0 : 1;
        int higher = 1 - lower;
        HaSim sim = sim(SHORT, HEARTBEAT, ids, new double[] {1, 1}, 1 * MS, random);
        Declarations declarations = watch(sim);
        long cutAt = 2 * SECOND + random.nextLong(HEARTBEAT);
        sim.runUntil(cutAt);
        assertAllInContact(sim);
        if (cut != Cut.HIGHER_TO_LOWER) {
            sim.link(lower, higher, false);
        }
        if (cut != Cut.LOWER_TO_HIGHER) {
            sim.link(higher, lower, false);
        }
        sim.runUntil(cutAt + 2 * SPAN);

        long fencedAt = sim.node(higher).fencedAt;
        // Last mutual contact: up to a heartbeat before the cut, and the lower host's report of it up to another.
        assertTrue(
                fencedAt >= cutAt + T.toNanos() - 2 * HEARTBEAT - 2 * MS, "fenced too early: " + at(fencedAt, cutAt));
        assertTrue(
                fencedAt <= cutAt + T.toNanos() + HEARTBEAT + sim.tick + 2 * MS,
                "fenced too late: " + at(fencedAt, cutAt));
        assertFalse(sim.node(lower).isFenced());
        assertEquals(Set.of(), declarations.of(higher), "the fenced host declares nobody");
        assertEquals(Set.of(higher), declarations.of(lower));
        // The lower host heard the higher until it fenced when only lower -> higher was cut.
        long lastContact = cut == Cut.LOWER_TO_HIGHER ? fencedAt : cutAt;
        long declaredAt = declarations.first(lower, higher);
        assertTrue(declaredAt >= lastContact - HEARTBEAT + SPAN, "declared too early: " + at(declaredAt, cutAt));
        assertTrue(declaredAt <= lastContact + SPAN + sim.tick + 2 * MS, "declared too late: " + at(declaredAt, cutAt));
    }

    static Stream<Arguments> stagedCutRows() {
        return LongStream.of(300, 500, 600, 700, 800, 900, 1_000, 1_100, 1_200, 1_500)
                .boxed()
                .flatMap(gapMillis -> LongStream.range(0, 3).mapToObj(seed -> Arguments.of(gapMillis, seed)));
    }

    /**
     * The link breaks one way, then the other: first the lower host stops hearing the higher, then, {@code gap}
     * later, the higher stops hearing the lower. The higher host's last beat from the lower said "I heard you
     * {@code gap} ago"; it must not count the lower in its partition for another D on the strength of it, or it
     * fences up to D later than the lower's declaration assumes (the random schedules found this with gap ≈ D).
     */
    @ParameterizedTest(name = "gap {0} ms, uuid seed {1}")
    @MethodSource("stagedCutRows")
    @Timeout(10)
    void twoHostsTheHigherHasFencedBeforeTheLowerDeclaresItWhenTheLinkBreaksOneWayThenTheOther(
            long gapMillis, long seed) {
        Random random = new Random(seed);
        List<HostId> ids = randomIds(random, 2);
        int lower = ids.get(0).compareTo(ids.get(1)) < 0 ? 0 : 1;
        int higher = 1 - lower;
        HaSim sim = sim(SHORT, HEARTBEAT, ids, drifting(random, 2), 1 * MS, random);
        Declarations declarations = watch(sim);
        long cutAt = 2 * SECOND + random.nextLong(HEARTBEAT);
        sim.at(cutAt, () -> sim.link(higher, lower, false));
        sim.at(cutAt + gapMillis * MS, () -> sim.link(lower, higher, false));
        sim.runUntil(cutAt + 2 * SPAN);
        assertTrue(sim.node(higher).isFenced());
        assertFalse(sim.node(lower).isFenced());
        assertEquals(Set.of(higher), declarations.of(lower));
    }

    /**
     * Finding 2 of the test report (drift). A witness's silence is placed on this member's clock at
     * {@code receivedAt − silence}, which errs by up to ρ·silence when the witness's clock runs fast: without bound
     * as the silence grows. Hosts A, B, C, V, E are h0 to h4; every clock runs at real time but C's, at 1 + ρ. V
     * keeps 3 of 5 in its partition throughout and never fences. At 2 s A and B lose V; B's beat saying so (silent
     * about 3 s) is the last A gets from B, and B then hears V again. At 6.5 s C loses V and goes on reporting to A.
     * About 38.6 s later C's silence (42.4 s by its clock) places its loss of V at 2.6 s on A's clock, declareAfter
     * before B's report: A, B and C look silent of V together for declareAfter, and A declares V fenced while V runs.
     */
    @Test
    @Timeout(10)
    void aWitnessWhoseClockRunsFastCannotMakeARunningHostLookFenced() {
        List<HostId> ids = randomIds(new Random(5), 5);
        int a = 0;
        int b = 1;
        int c = 2;
        int v = 3;
        HaSim sim = new HaSim(
                SHORT,
                HEARTBEAT,
                HEARTBEAT / 4,
                ids,
                new double[] {1, 1, 1.1, 1, 1},
                new long[5],
                MS,
                MS,
                new Random(1));
        Declarations declarations = watch(sim);
        sim.at(2 * SECOND, () -> {
            sim.both(a, v, false);
            sim.both(b, v, false);
        });
        sim.at(5_100 * MS, () -> {
            sim.link(b, a, false);
            sim.both(b, v, true);
        });
        sim.at(6_500 * MS, () -> sim.both(c, v, false));
        sim.runUntil(6_500 * MS + 60 * SECOND);
        for (HaSim.Node node : sim.nodes) {
            assertFalse(node.isFenced(), node + " fenced");
            assertEquals(Set.of(), declarations.of(node.index), node + " declared someone fenced");
        }
    }

    @ParameterizedTest(name = "uuid seed {0}")
    @MethodSource("uuidSeeds")
    @Timeout(10)
    void threeHostsOneCutOffTheOthersSurviveAndDeclareIt(long seed) {
        Random random = new Random(seed);
        int lost = random.nextInt(3);
        assertSplit(random, 3, List.of(Set.of(lost), rest(3, Set.of(lost))), rest(3, Set.of(lost)));
    }

    @ParameterizedTest(name = "uuid seed {0}")
    @MethodSource("uuidSeeds")
    @Timeout(10)
    void fourHostsTwoAndTwoTheSideWithTheLowestUuidSurvives(long seed) {
        Random random = new Random(seed);
        List<Integer> order = shuffled(random, 4);
        Set<Integer> one = Set.of(order.get(0), order.get(1));
        Set<Integer> two = Set.of(order.get(2), order.get(3));
        // The expected side is computed in assertSplit from the UUIDs drawn there: pass null.
        assertSplit(random, 4, List.of(one, two), null);
    }

    @ParameterizedTest(name = "uuid seed {0}")
    @MethodSource("uuidSeeds")
    @Timeout(10)
    void fiveHostsThreeAndTwoTheThreeSurvive(long seed) {
        Random random = new Random(seed);
        List<Integer> order = shuffled(random, 5);
        Set<Integer> three = Set.copyOf(order.subList(0, 3));
        assertSplit(random, 5, List.of(three, Set.copyOf(order.subList(3, 5))), three);
    }

    @ParameterizedTest(name = "uuid seed {0}")
    @MethodSource("uuidSeeds")
    @Timeout(10)
    void fiveHostsTwoTwoAndOneEverybodyFencesAndNobodyIsDeclared(long seed) {
        Random random = new Random(seed);
        List<Integer> order = shuffled(random, 5);
        assertSplit(
                random,
                5,
                List.of(
                        Set.copyOf(order.subList(0, 2)),
                        Set.copyOf(order.subList(2, 4)),
                        Set.copyOf(order.subList(4, 5))),
                Set.of());
    }

    @ParameterizedTest(name = "uuid seed {0}")
    @MethodSource("uuidSeeds")
    @Timeout(10)
    void threeHostsWithOnlyOneLinkCutNobodyFencesAndNobodyIsDeclared(long seed) {
        Random random = new Random(seed);
        List<HostId> ids = randomIds(random, 3);
        HaSim sim = sim(SHORT, HEARTBEAT, ids, drifting(random, 3), 1 * MS, random);
        Declarations declarations = watch(sim);
        sim.runUntil(2 * SECOND);
        // B (the middle of a random order) still hears both A and C, which no longer hear each other.
        List<Integer> order = shuffled(random, 3);
        sim.both(order.get(0), order.get(2), false);
        sim.runUntil(2 * SECOND + 3 * SPAN);
        for (HaSim.Node node : sim.nodes) {
            assertFalse(node.isFenced(), node + " fenced");
            assertEquals(Set.of(), declarations.of(node.index), node + " declared someone fenced");
        }
        assertEquals(sorted(ids.get(order.get(0)), ids.get(order.get(1))), partition(sim, order.get(0)));
        assertEquals(sorted(ids.get(order.get(1)), ids.get(order.get(2))), partition(sim, order.get(2)));
        assertEquals(sim.liveset, partition(sim, order.get(1)));
    }

    static LongStream uuidSeeds() {
        return LongStream.range(0, 6);
    }

    /**
     * Splits n hosts with random UUIDs and drifting clocks into {@code groups} (every link between groups cut both
     * ways): the hosts of {@code survivors} (null: the group holding the lowest UUID) never fence and declare every
     * other host, no earlier than declareAfter after they last heard it and no later than declareAfter plus 3
     * heartbeats after the cut; every other host fences about T after the cut and declares nobody.
     */
    private static void assertSplit(Random random, int n, List<Set<Integer>> groups, Set<Integer> survivors) {
        List<HostId> ids = randomIds(random, n);
        if (survivors == null) {
            int lowest = ids.indexOf(new TreeSet<>(ids).first());
            survivors =
                    groups.stream().filter(g -> g.contains(lowest)).findFirst().orElseThrow();
        }
        HaSim sim = sim(SHORT, HEARTBEAT, ids, drifting(random, n), 1 * MS, random);
        Declarations declarations = watch(sim);
        long cutAt = 2 * SECOND + random.nextLong(HEARTBEAT);
        sim.runUntil(cutAt);
        assertAllInContact(sim);
        for (Set<Integer> group : groups) {
            for (int i : group) {
                for (int j = 0; j < n; j++) {
                    if (!group.contains(j)) {
                        sim.both(i, j, false);
                    }
                }
            }
        }
        sim.runUntil(cutAt + 2 * SPAN);
        String split = groups + " survivors " + survivors + " ids " + ids;
        for (HaSim.Node node : sim.nodes) {
            if (survivors.contains(node.index)) {
                assertFalse(node.isFenced(), node + " fenced: " + split);
                assertEquals(rest(n, survivors), declarations.of(node.index), node + " declared: " + split);
                for (int lost : rest(n, survivors)) {
                    long declaredAt = declarations.first(node.index, lost);
                    // Rates are at least 1: declareAfter on a host's clock is at most declareAfter of real time.
                    assertTrue(declaredAt <= cutAt + SPAN + 3 * HEARTBEAT, at(declaredAt, cutAt) + ": " + split);
                }
            } else {
                // Clocks run at 1 to 1.1 real time: D + W of a host's time is between T / 1.1 and T.
                long fencedAt = node.fencedAt;
                long earliest = cutAt + (long) (T.toNanos() / 1.1) - 2 * HEARTBEAT - 2 * MS;
                assertTrue(fencedAt >= earliest, at(fencedAt, cutAt) + split);
                assertTrue(fencedAt <= cutAt + T.toNanos() + sim.tick + 2 * MS, at(fencedAt, cutAt) + split);
                assertEquals(Set.of(), declarations.of(node.index), node + " declared: " + split);
            }
        }
    }

    // ================================================================ 3. random schedules

    /** A link direction going down or up at a real time. */
    record LinkEvent(long at, int from, int to, boolean up) {
        @Override
        public String toString() {
            return String.format("%.3fs %d->%d %s", at / 1e9, from, to, up ? "up" : "down");
        }
    }

    /** Everything a simulated run depends on besides its link schedule. */
    record Setup(
            long simSeed,
            FenceDeadlines deadlines,
            long heartbeat,
            long tick,
            List<HostId> ids,
            double[] rates,
            long[] offsets,
            long maxTransit) {
        @Override
        public String toString() {
            return "T=" + deadlines.detection().plus(deadlines.fenceWindow()).toMillis() + "ms heartbeat="
                    + heartbeat / MS + "ms tick=" + tick / 1e6 + "ms transit<=" + maxTransit / 1e6 + "ms simSeed="
                    + simSeed + " hosts="
                    + IntStream.range(0, ids.size())
                            .mapToObj(i -> "h" + i + "=" + ids.get(i) + "@rate" + rates[i])
                            .collect(Collectors.toList());
        }
    }

    /**
     * Random pools of 2 to 6 hosts, drifting clocks, beats with random transit, links cut and healed per direction
     * at random and near the deadlines. At every event: (a) a host any member declares fenced has fenced already,
     * in real time; (b) no two unfenced hosts out of mutual contact declare each other fenced.
     */
    @Test
    @Timeout(60)
    void randomSchedulesNeverDeclareAHostFencedBeforeItHasFenced() {
        long seed = Long.getLong("poolkeeper.seed", System.nanoTime());
        int schedules = Integer.getInteger("poolkeeper.schedules", 80);
        System.out.println(
                "ReachabilityTest random schedules seed " + seed + " (-Dpoolkeeper.seed=" + seed + " replays it)");
        Random random = new Random(seed);
        for (int s = 0; s < schedules; s++) {
            FenceDeadlines deadlines = s % 2 == 0 ? SHORT : FenceDeadlines.of(Duration.ofSeconds(30));
            Setup setup = randomSetup(random, deadlines);
            List<LinkEvent> schedule = randomSchedule(random, setup);
            long until = end(setup, schedule);
            Optional<String> violation = run(setup, schedule, until);
            if (violation.isPresent()) {
                List<LinkEvent> shrunk = shrink(setup, schedule, until);
                fail("seed " + seed + ", schedule " + s + ": " + violation.get() + "\n  setup " + setup
                        + "\n  schedule " + schedule + "\n  shrunk to " + shrunk + ": "
                        + run(setup, shrunk, until).orElse("?"));
            }
        }
    }

    /**
     * Liveness: a pool of 3 to 6 hosts, fully connected, isolates one host for good (both ways, every link): every
     * other host declares it fenced within declareAfter plus 3 heartbeats of the cut.
     */
    @Test
    @Timeout(30)
    void aCleanlyIsolatedHostIsDeclaredFencedWithinDeclareAfterPlusThreeHeartbeats() {
        long seed = Long.getLong("poolkeeper.seed", System.nanoTime());
        System.out.println("ReachabilityTest isolation seed " + seed + " (-Dpoolkeeper.seed=" + seed + " replays it)");
        Random random = new Random(seed);
        for (int s = 0; s < 40; s++) {
            FenceDeadlines deadlines = s % 2 == 0 ? SHORT : FenceDeadlines.of(Duration.ofSeconds(30));
            Setup setup = randomSetup(random, deadlines);
            int n = setup.ids().size();
            if (n < 3) {
                continue;
            }
            long span = deadlines.declareAfter();
            long cutAt = 2 * setup.heartbeat() + (long) (random.nextDouble() * span);
            int victim = random.nextInt(n);
            List<LinkEvent> schedule = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                if (j != victim) {
                    schedule.add(new LinkEvent(cutAt, victim, j, false));
                    schedule.add(new LinkEvent(cutAt, j, victim, false));
                }
            }
            HaSim sim = build(setup, schedule);
            Declarations declarations = watch(sim);
            long deadline = cutAt + span + 3 * setup.heartbeat();
            sim.runUntil(deadline);
            for (HaSim.Node node : sim.nodes) {
                if (node.index == victim) {
                    continue;
                }
                String where =
                        "seed " + seed + " run " + s + " victim h" + victim + " cut at " + cutAt / 1e9 + "s, " + setup;
                assertFalse(node.isFenced(), node + " fenced: " + where);
                assertTrue(declarations.of(node.index).contains(victim), node + " did not declare: " + where);
            }
            assertTrue(sim.node(victim).isFenced());
        }
    }

    private static Setup randomSetup(Random random, FenceDeadlines deadlines) {
        Duration haTimeout = deadlines.detection().plus(deadlines.fenceWindow());
        long heartbeat = (deadlines == SHORT
                ? HEARTBEAT
                : FenceDeadlines.heartbeatInterval(haTimeout).toNanos());
        int n = 2 + random.nextInt(5);
        long tick = heartbeat / 6 + random.nextLong(heartbeat / 4 - heartbeat / 6 + 1);
        long maxTransit = 1 + random.nextLong(heartbeat / 10);
        long[] offsets = new long[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = random.nextLong(1L << 50);
        }
        return new Setup(
                random.nextLong(),
                deadlines,
                heartbeat,
                tick,
                randomIds(random, n),
                drifting(random, n),
                offsets,
                maxTransit);
    }

    /**
     * Up to 8 fault steps, each at a random gap after the previous one: a uniform gap, or one near D, T or
     * declareAfter (± a heartbeat), or a short one. A step cuts or heals one direction or both of a link (random,
     * or the previous step's), isolates a host one way or both, splits the pool into random groups, or heals
     * everything.
     */
    private static List<LinkEvent> randomSchedule(Random random, Setup setup) {
        int n = setup.ids().size();
        FenceDeadlines d = setup.deadlines();
        long h = setup.heartbeat();
        long detection = d.detection().toNanos();
        long haTimeout = detection + d.fenceWindow().toNanos();
        List<LinkEvent> out = new ArrayList<>();
        long t = random.nextInt(8) == 0 ? 0 : (long) (random.nextDouble() * 2 * haTimeout);
        int steps = 1 + random.nextInt(8);
        int a = 0;
        int b = 1;
        for (int step = 0; step < steps; step++) {
            if (step > 0) {
                long jitter = (long) ((random.nextDouble() * 2 - 1) * h);
                long gap;
                switch (random.nextInt(5)) {
                    case 0:
                        gap = (long) (random.nextDouble() * haTimeout);
                        break;
                    case 1:
                        gap = detection + jitter;
                        break;
                    case 2:
                        gap = haTimeout + jitter;
                        break;
                    case 3:
                        gap = d.declareAfter() + jitter;
                        break;
                    default:
                        gap = (long) (random.nextDouble() * 2 * h);
                        break;
                }
                t += Math.max(0, gap);
            }
            // Most steps act again on the previous step's link or host, in either direction: a cut followed by the
            // reverse cut or a heal near a deadline is where the timing arguments are thinnest.
            if (step == 0 || random.nextInt(3) == 0) {
                a = random.nextInt(n);
                b = (a + 1 + random.nextInt(n - 1)) % n;
            } else if (random.nextBoolean()) {
                int swap = a;
                a = b;
                b = swap;
            }
            switch (random.nextInt(9)) {
                case 0:
                    out.add(new LinkEvent(t, a, b, false));
                    break;
                case 1:
                    out.add(new LinkEvent(t, a, b, false));
                    out.add(new LinkEvent(t, b, a, false));
                    break;
                case 2:
                    out.add(new LinkEvent(t, a, b, true));
                    break;
                case 3:
                    out.add(new LinkEvent(t, a, b, true));
                    out.add(new LinkEvent(t, b, a, true));
                    break;
                case 4:
                    setAll(out, t, n, a, true, true, false);
                    break;
                case 5:
                    // a's transmit side fails: nobody hears a, a still hears everybody
                    setAll(out, t, n, a, true, false, false);
                    break;
                case 6:
                    // a's receive side fails
                    setAll(out, t, n, a, false, true, false);
                    break;
                case 7:
                    int groups = 2 + random.nextInt(2);
                    int[] group = random.ints(n, 0, groups).toArray();
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) {
                            if (i != j) {
                                out.add(new LinkEvent(t, i, j, group[i] == group[j]));
                            }
                        }
                    }
                    break;
                default:
                    for (int i = 0; i < n; i++) {
                        setAll(out, t, n, i, true, false, true);
                    }
                    break;
            }
        }
        return out;
    }

    /** Sets every link out of {@code host} (if {@code out}) and into it (if {@code in}) up or down. */
    private static void setAll(List<LinkEvent> events, long t, int n, int host, boolean out, boolean in, boolean up) {
        for (int j = 0; j < n; j++) {
            if (j != host) {
                if (out) {
                    events.add(new LinkEvent(t, host, j, up));
                }
                if (in) {
                    events.add(new LinkEvent(t, j, host, up));
                }
            }
        }
    }

    private static long end(Setup setup, List<LinkEvent> schedule) {
        long last = schedule.isEmpty() ? 0 : schedule.get(schedule.size() - 1).at();
        FenceDeadlines d = setup.deadlines();
        return last + d.declareAfter() + d.detection().plus(d.fenceWindow()).toNanos() + 2 * setup.heartbeat();
    }

    private static HaSim build(Setup setup, List<LinkEvent> schedule) {
        HaSim sim = new HaSim(
                setup.deadlines(),
                setup.heartbeat(),
                setup.tick(),
                setup.ids(),
                setup.rates(),
                setup.offsets(),
                0,
                setup.maxTransit(),
                new Random(setup.simSeed()));
        for (LinkEvent e : schedule) {
            sim.at(e.at(), () -> sim.link(e.from(), e.to(), e.up()));
        }
        return sim;
    }

    /** Runs a schedule, checking the safety invariants after every event: the first violation, if any. */
    private static Optional<String> run(Setup setup, List<LinkEvent> schedule, long until) {
        HaSim sim = build(setup, schedule);
        sim.observe(ReachabilityTest::check);
        try {
            sim.runUntil(until);
            return Optional.empty();
        } catch (Violation v) {
            return Optional.of(v.getMessage());
        }
    }

    /**
     * Every member's fenced set now, after checking the safety invariants on them: (a) a host declared fenced has
     * fenced already; (b) no two unfenced hosts out of mutual contact declare each other fenced. Throws
     * {@link Violation}.
     */
    private static List<SortedSet<HostId>> check(HaSim sim) {
        List<SortedSet<HostId>> declared = new ArrayList<>();
        for (HaSim.Node node : sim.nodes) {
            declared.add(node.isFenced() ? sorted() : node.reach.fenced(sim.liveset, sim.clock(node)));
        }
        for (HaSim.Node node : sim.nodes) {
            for (HostId id : declared.get(node.index)) {
                HaSim.Node lost = sim.node(sim.indexOf(id));
                if (!lost.isFenced()) {
                    throw new Violation(String.format(
                            "(a) at %.3fs %s declares %s fenced, which has not fenced (outside since %s on its clock,"
                                    + " now %d; %s silent of it %.3fs on its clock)",
                            sim.now() / 1e9,
                            node,
                            lost,
                            lost.reach.outsideSince(),
                            sim.clock(lost),
                            node,
                            node.reach.silences(sim.liveset, sim.clock(node)).get(id) / 1e9));
                }
            }
        }
        for (HaSim.Node x : sim.nodes) {
            for (HaSim.Node y : sim.nodes) {
                boolean mutual = x == y || (sim.isUp(x.index, y.index) && sim.isUp(y.index, x.index));
                if (!mutual
                        && !x.isFenced()
                        && !y.isFenced()
                        && declared.get(x.index).contains(y.id)
                        && declared.get(y.index).contains(x.id)) {
                    throw new Violation(
                            String.format("(b) at %.3fs %s and %s declare each other fenced", sim.now() / 1e9, x, y));
                }
            }
        }
        return declared;
    }

    /** Drops link events one at a time while the run still violates an invariant. */
    private static List<LinkEvent> shrink(Setup setup, List<LinkEvent> schedule, long until) {
        List<LinkEvent> current = new ArrayList<>(schedule);
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int i = current.size() - 1; i >= 0; i--) {
                List<LinkEvent> candidate = new ArrayList<>(current);
                candidate.remove(i);
                if (run(setup, candidate, until).isPresent()) {
                    current = candidate;
                    progress = true;
                }
            }
        }
        return current;
    }

    // ================================================================ helpers

    /** Stops a run at its first invariant violation. */
    private static final class Violation extends RuntimeException {
        Violation(String message) {
            super(message, null, false, false);
        }
    }

    /** Per host, the first real time at which its fenced set held each other host; checks safety (a) throughout. */
    private static final class Declarations {
        final Map<Integer, Map<Integer, Long>> first = new TreeMap<>();

        Set<Integer> of(int host) {
            return first.getOrDefault(host, Map.of()).keySet();
        }

        long first(int host, int lost) {
            Long at = first.getOrDefault(host, Map.of()).get(lost);
            assertTrue(at != null, "h" + host + " never declared h" + lost);
            return at;
        }
    }

    private static Declarations watch(HaSim sim) {
        Declarations declarations = new Declarations();
        sim.observe(s -> {
            List<SortedSet<HostId>> declared;
            try {
                declared = check(s);
            } catch (Violation v) {
                throw new AssertionError(v.getMessage());
            }
            for (HaSim.Node node : s.nodes) {
                if (declared.get(node.index).isEmpty()) {
                    continue;
                }
                SortedMap<HostId, Long> silences = node.reach.silences(s.liveset, s.clock(node));
                for (HostId id : declared.get(node.index)) {
                    // Never before it has itself gone declareAfter without hearing the host.
                    if (silences.get(id) < s.deadlines.declareAfter()) {
                        fail(node + " declared " + id + " after a silence of " + silences.get(id) + " ns only");
                    }
                    declarations
                            .first
                            .computeIfAbsent(node.index, k -> new TreeMap<>())
                            .putIfAbsent(s.indexOf(id), s.now());
                }
            }
        });
        return declarations;
    }

    private static HaSim sim(
            FenceDeadlines deadlines, long heartbeat, List<HostId> ids, double[] rates, long transit, Random random) {
        long[] offsets = new long[ids.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = random.nextLong(1L << 50);
        }
        return new HaSim(deadlines, heartbeat, heartbeat / 4, ids, rates, offsets, transit, transit, random);
    }

    private static void assertAllInContact(HaSim sim) {
        for (HaSim.Node node : sim.nodes) {
            assertEquals(sim.liveset, partition(sim, node.index), node.toString());
        }
    }

    private static SortedSet<HostId> partition(HaSim sim, int host) {
        HaSim.Node node = sim.node(host);
        return node.reach.partition(sim.liveset, sim.clock(node));
    }

    /** Clock rates within 1 and 1 + ρ of real time, so within 1 + ρ of each other; often at the extremes. */
    private static double[] drifting(Random random, int n) {
        double[] rates = new double[n];
        for (int i = 0; i < n; i++) {
            int pick = random.nextInt(3);
            rates[i] = pick == 0 ? 1.0 : pick == 1 ? 1.0 + FenceDeadlines.DRIFT : 1.0 + random.nextDouble() * 0.1;
        }
        return rates;
    }

    private static List<HostId> randomIds(Random random, int n) {
        List<HostId> ids = new ArrayList<>();
        while (ids.size() < n) {
            HostId id = new HostId(new UUID(random.nextLong(), random.nextLong()));
            if (!ids.contains(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    private static List<Integer> shuffled(Random random, int n) {
        List<Integer> order = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        java.util.Collections.shuffle(order, random);
        return order;
    }

    private static Set<Integer> rest(int n, Set<Integer> group) {
        return IntStream.range(0, n).filter(i -> !group.contains(i)).boxed().collect(Collectors.toSet());
    }

    private static Reachability.Report report(long sent, long received, Map<HostId, Long> silences) {
        return new Reachability.Report(sent, received, new TreeMap<>(silences), 0, 0);
    }

    private static SortedSet<HostId> sorted(HostId... ids) {
        return new TreeSet<>(Arrays.asList(ids));
    }

    private static String at(long real, long cutAt) {
        return String.format("%.3fs after the cut", (real - cutAt) / 1e9);
    }
}
