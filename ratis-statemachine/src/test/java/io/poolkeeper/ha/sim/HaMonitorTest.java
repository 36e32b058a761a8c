package io.poolkeeper.ha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.ha.HaMonitor;
import io.poolkeeper.ha.HaSettings;
import io.poolkeeper.ha.sim.Transcript.Call;
import io.poolkeeper.ha.sim.Transcript.Kind;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link HaMonitor} driven entirely through {@link HaEnvironment} in virtual time ({@link HaWorld}): real monitors,
 * the real core for every member's copy of the pool, a simple simulated Raft, per-direction links and clocks that
 * drift within 3 %. No thread, no sleep: each scenario runs a few virtual seconds in milliseconds of real time.
 * Real members in these scenarios are in {@code src/test/.../ha/HaPartitionTest}; this shows that the seam alone is
 * enough to simulate them, and checks timings that real members can only approximate.
 *
 * <p>T = 2 s with a 100 ms heartbeat floor: heartbeat 200 ms, D = W = 1 s, ε = 4 beats, declareAfter = 2.9 s. The
 * seed is printed; {@code -Dpoolkeeper.seed=N} reproduces a run.
 */
@Timeout(60)
class HaMonitorTest {
    private static final long SEED = Long.getLong("poolkeeper.seed", System.nanoTime());
    private static final Duration T = Duration.ofSeconds(2);
    private static final HaSettings SETTINGS = new HaSettings(Duration.ofMillis(100), 0.1, 4);
    private static final double DRIFT = 0.03;
    private static final long TN = T.toNanos();
    private static final long HB = SETTINGS.heartbeatInterval(T).toNanos();
    private static final long DECLARE_AFTER = SETTINGS.deadlines(T).declareAfter();
    private static final long TICK = HaMonitor.period().toNanos();

    @BeforeAll
    static void seed() {
        System.out.printf("HaMonitorTest: seed=%d (-Dpoolkeeper.seed=%d reproduces)%n", SEED, SEED);
    }

    private static HaWorld world(int hosts, long salt) {
        return new HaWorld(SEED + salt, hosts, SETTINGS, DRIFT);
    }

    /** Enables HA and lets every member arm and hear every other. */
    private static void armHa(HaWorld w) {
        w.enableHa(T);
        w.runFor(T);
        for (SimMember m : w.members()) {
            assertTrue(m.monitor.armed(), () -> m + " not armed" + story(w).get());
        }
        assertEquals(List.of(), w.calls(Kind.SELF_FENCE), story(w));
    }

    private static Supplier<String> story(HaWorld w) {
        return () -> "\nseed=" + SEED + "\ncalls:\n  "
                + String.join("\n  ", w.calls().stream().map(Call::toString).toList()) + "\nviolations: "
                + w.violations();
    }

    private static List<Call> by(List<Call> calls, int member) {
        return calls.stream().filter(c -> c.member() == member).toList();
    }

    private static Call first(HaWorld w, Kind kind, Object subject) {
        List<Call> calls = w.calls(kind, subject);
        assertFalse(calls.isEmpty(), () -> "no " + kind + " " + subject + story(w).get());
        return calls.get(0);
    }

    /**
     * Exactly {@code victims} fenced themselves, each once, and {@code victim} about T after the cut, on its own
     * clock. At most two ticks (and a transit) late: it stops hearing a survivor by the cut, which drops out of its
     * partition D later, and it fences W after that. Up to two heartbeats early: a survivor's last beat may have left
     * a heartbeat before the cut, reporting a silence of up to a heartbeat, and the victim ages that report (it
     * cannot know that its own last beat still arrived), so the survivor may drop out that much before D. Early is
     * safe; it only shortens the time a cut host runs.
     */
    private static Call assertFencedAboutT(HaWorld w, Set<Integer> victims, int victim, long cut) {
        List<Integer> fenced =
                w.calls(Kind.SELF_FENCE).stream().map(Call::member).toList();
        assertEquals(new TreeSet<>(victims), new TreeSet<>(fenced), story(w));
        assertEquals(victims.size(), fenced.size(), story(w));
        Call fence = first(w, Kind.SELF_FENCE, HaWorld.hostId(victim));
        double rate = w.member(victim).rate;
        long earliest = cut + (long) ((TN - 2 * (HB + Network.MAX_TRANSIT) * (1 + DRIFT) - TICK) / rate);
        long latest = cut + Network.MAX_TRANSIT + (long) ((TN + 2 * TICK) / rate);
        assertTrue(
                fence.at() >= earliest && fence.at() <= latest,
                () -> "fenced " + (fence.at() - cut) / 1e6 + " ms after the cut, not about T" + story(w).get());
        return fence;
    }

    /**
     * The earliest a survivor may declare {@code victim} dead after a cut: declareAfter on the survivor's clock since
     * the victim's last beat, which left at most one heartbeat (of the victim's clock) before the cut. At a clock
     * rate of 1 it is DESIGN §6's {@code cut + declareAfter − heartbeat}.
     */
    private static long earliestDeclare(HaWorld w, long cut, int survivor, int victim) {
        return cut + (long) (DECLARE_AFTER / w.member(survivor).rate) - (long) (HB / w.member(victim).rate);
    }

    /** Cuts hosts 0 and 1 off hosts 2 and 3, host 1's log one entry ahead of host 0's; returns when. */
    private static long splitHalvesHostOneAhead(HaWorld w) {
        long cut = w.now();
        w.split(List.of(0, 1), List.of(2, 3));
        w.setLog(1, w.member(1).logTerm, w.member(0).logIndex + 1);
        return cut;
    }

    /** {@code vm} runs on exactly one of {@code hosts}, and the copy of {@code viewer} says so. */
    private static void assertRunsOnOneOf(HaWorld w, VmId vm, int viewer, Set<Integer> hosts) {
        Set<HostId> allowed = new TreeSet<>();
        hosts.forEach(h -> allowed.add(HaWorld.hostId(h)));
        Set<HostId> on = w.runningOn(vm);
        assertEquals(1, on.size(), () -> vm + " runs on " + on + story(w).get());
        assertTrue(allowed.containsAll(on), () -> vm + " runs on " + on + story(w).get());
        Vm seen = w.member(viewer).state.vms().get(vm);
        assertEquals(PowerState.RUNNING, seen.powerState(), story(w));
        assertEquals(on.iterator().next(), seen.residentOn().orElseThrow(), story(w));
    }

    @Test
    void anIsolatedSlaveFencesAtTAndOnlyThenTheMasterDeclaresItAndRestartsItsVm() {
        HaWorld w = world(3, 1);
        VmId vm = w.protectedVm(2, 0);
        armHa(w);
        long cut = w.now();
        w.isolate(2);
        w.runUntil(cut + 3 * TN);

        Call fence = assertFencedAboutT(w, Set.of(2), 2, cut);
        Call declare = first(w, Kind.DECLARE, HaWorld.hostId(2));
        assertEquals(List.of(declare), w.calls(Kind.DECLARE), story(w));
        assertEquals(0, declare.member(), story(w));
        assertTrue(declare.at() > fence.at(), () -> "declared before it fenced" + story(w).get());
        assertTrue(declare.at() >= earliestDeclare(w, cut, 0, 2), () -> "declared too early" + story(w).get());
        assertTrue(declare.at() <= cut + DECLARE_AFTER + 2 * HB + DRIFT * DECLARE_AFTER, story(w));
        Call declared = first(w, Kind.DECLARED, HaWorld.hostId(2));

        Call restart = first(w, Kind.RESTART, vm);
        assertEquals(List.of(restart), w.calls(Kind.RESTART), story(w));
        assertEquals(0, restart.member(), story(w));
        assertTrue(restart.at() >= declared.at(), story(w));
        assertRunsOnOneOf(w, vm, 0, Set.of(0, 1));

        List<Call> removals = w.calls(Kind.REMOVE_VOTER);
        assertFalse(removals.isEmpty(), story(w));
        assertEquals(removals, by(w.calls(Kind.REMOVE_VOTER, HaWorld.hostId(2)), 0), story(w));
        assertTrue(removals.get(0).at() >= declared.at(), story(w));
        assertFalse(w.member(0).peers.contains(HaWorld.hostId(2)), story(w));
        assertEquals(List.of(), w.calls(Kind.REFOUND), story(w));
        assertEquals(List.of(), w.violations(), story(w));
    }

    @Test
    void anIsolatedMasterFencesAndTheNewMasterOfTheOtherTwoDeclaresItAndRestartsItsVm() {
        HaWorld w = world(3, 2);
        VmId vm = w.protectedVm(0, 0);
        armHa(w);
        long cut = w.now();
        w.isolate(0);
        w.runUntil(cut + 3 * TN);

        Call elected = w.calls(Kind.MASTER).get(w.calls(Kind.MASTER).size() - 1);
        assertEquals(1, elected.member(), story(w));
        assertTrue(elected.at() > cut && elected.at() <= cut + HaWorld.RAFT_PERIOD, story(w));
        Call fence = assertFencedAboutT(w, Set.of(0), 0, cut);
        Call declare = first(w, Kind.DECLARE, HaWorld.hostId(0));
        assertEquals(List.of(declare), w.calls(Kind.DECLARE), story(w));
        assertEquals(1, declare.member(), story(w));
        assertTrue(declare.at() > fence.at(), () -> "declared before it fenced" + story(w).get());
        assertTrue(declare.at() >= earliestDeclare(w, cut, 1, 0), () -> "declared too early" + story(w).get());
        Call declared = first(w, Kind.DECLARED, HaWorld.hostId(0));

        Call restart = first(w, Kind.RESTART, vm);
        assertEquals(1, restart.member(), story(w));
        assertTrue(restart.at() >= declared.at(), story(w));
        assertRunsOnOneOf(w, vm, 1, Set.of(1, 2));
        assertEquals(List.of(), by(w.calls(Kind.REMOVE_VOTER), 2), story(w));
        assertFalse(by(w.calls(Kind.REMOVE_VOTER), 1).isEmpty(), story(w));
        assertEquals(List.of(), w.calls(Kind.REFOUND), story(w));
        assertEquals(List.of(), w.violations(), story(w));
    }

    /**
     * 2+2 with all four voting: no side holds a Raft majority. {0, 1} holds the lowest UUID and survives; host 1 has
     * the longer log (it got an entry host 0 did not), so host 1, not the lowest UUID of its side, re-founds the pool
     * once both others have fenced, then declares them.
     */
    @Test
    void aTwoTwoSplitIsReFoundedByTheMostUpToDateSurvivorAfterTheOtherSideFenced() {
        HaWorld w = world(4, 3);
        w.designate(2);
        VmId onTwo = w.protectedVm(2, 0);
        VmId onThree = w.protectedVm(3, 0);
        armHa(w);
        long generation = w.member(1).state.requirePool().generation();
        long cut = splitHalvesHostOneAhead(w);
        w.runUntil(cut + 4 * TN);

        Call fence2 = assertFencedAboutT(w, Set.of(2, 3), 2, cut);
        Call fence3 = assertFencedAboutT(w, Set.of(2, 3), 3, cut);
        List<Call> refounds = w.calls(Kind.REFOUND);
        assertEquals(1, refounds.size(), story(w));
        Call refound = refounds.get(0);
        assertEquals(1, refound.member(), story(w));
        assertEquals(new TreeSet<>(Set.of(HaWorld.hostId(0))), refound.subject(), story(w));
        assertTrue(refound.at() > Math.max(fence2.at(), fence3.at()), () -> "re-founded too soon" + story(w).get());
        for (int victim : List.of(2, 3)) {
            assertTrue(refound.at() >= earliestDeclare(w, cut, 1, victim), story(w));
        }
        Call refounded = first(w, Kind.REFOUNDED, new TreeSet<>(Set.of(HaWorld.hostId(0), HaWorld.hostId(1))));

        for (int victim : List.of(2, 3)) {
            Call declare = first(w, Kind.DECLARE, HaWorld.hostId(victim));
            assertEquals(1, declare.member(), story(w));
            assertTrue(declare.at() >= refounded.at(), story(w));
        }
        assertEquals(2, w.calls(Kind.DECLARE).size(), story(w));
        for (int other : List.of(0, 2, 3)) {
            assertEquals(List.of(), by(w.calls(Kind.REFOUND), other), story(w));
            assertEquals(List.of(), by(w.calls(Kind.DECLARE), other), story(w));
        }
        assertEquals(generation + 1, w.member(1).state.requirePool().generation(), story(w));
        assertEquals(generation + 1, w.member(0).state.requirePool().generation(), story(w));
        assertEquals(HaWorld.hostId(1), w.member(1).state.requirePool().master().orElseThrow(), story(w));
        assertRunsOnOneOf(w, onTwo, 1, Set.of(0, 1));
        assertRunsOnOneOf(w, onThree, 1, Set.of(0, 1));
        assertEquals(List.of(), w.violations(), story(w));
    }

    /**
     * The same split, but the re-founding takes 2 T (a loaded machine: NemesisTest seed 17972379653372), the founder
     * out of every group meanwhile. Its partner still judges by the old liveset and must keep hearing it, or it finds
     * itself alone and fences W later, before the founder brings it into the new generation.
     */
    @Test
    void aFounderKeepsBeatingItsPartnerWhileARefoundingOutlastsW() {
        HaWorld w = world(4, 6);
        w.refoundLatency = 2 * TN;
        w.designate(2);
        VmId onZero = w.protectedVm(0, 0);
        armHa(w);
        long generation = w.member(1).state.requirePool().generation();
        long cut = splitHalvesHostOneAhead(w);
        w.runUntil(cut + 6 * TN);

        Call refound = first(w, Kind.REFOUND, new TreeSet<>(Set.of(HaWorld.hostId(0))));
        assertEquals(1, refound.member(), story(w));
        Call refounded = first(w, Kind.REFOUNDED, new TreeSet<>(Set.of(HaWorld.hostId(0), HaWorld.hostId(1))));
        assertTrue(refounded.at() - refound.at() >= 2 * TN, story(w));
        assertEquals(
                Set.of(2, 3),
                new TreeSet<>(
                        w.calls(Kind.SELF_FENCE).stream().map(Call::member).toList()),
                () -> "host 0 fenced while host 1 re-founded" + story(w).get());
        assertEquals(generation + 1, w.member(0).state.requirePool().generation(), story(w));
        assertRunsOnOneOf(w, onZero, 1, Set.of(0));
        assertEquals(List.of(), w.violations(), story(w));
    }

    /** Order groups: the order-2 VMs of a lost host are restarted only once its order-1 VMs run. */
    @Test
    void protectedVmsAreRestartedOneOrderGroupAfterTheOther() {
        HaWorld w = world(3, 4);
        w.agentStart = 3 * HB / 2; // a start outlasts a heartbeat, so housekeeping runs while group 1 starts
        List<VmId> first = List.of(w.protectedVm(2, 1), w.protectedVm(2, 1));
        List<VmId> second = List.of(w.protectedVm(2, 2), w.protectedVm(2, 2));
        armHa(w);
        long cut = w.now();
        w.isolate(2);
        w.runUntil(cut + 4 * TN);

        long groupOneRunning = 0;
        for (VmId vm : first) {
            groupOneRunning = Math.max(
                    groupOneRunning,
                    w.calls(Kind.RUNNING).stream()
                            .filter(c ->
                                    ((SimMember.Placement) c.subject()).vm().equals(vm))
                            .findFirst()
                            .orElseThrow()
                            .at());
            assertRunsOnOneOf(w, vm, 0, Set.of(0, 1));
        }
        for (VmId vm : second) {
            Call restart = first(w, Kind.RESTART, vm);
            long running = groupOneRunning;
            assertTrue(
                    restart.at() >= running,
                    () -> "order-2 VM " + vm + " restarted at " + restart.at() / 1e6 + " ms, before order 1 ran ("
                            + running / 1e6 + " ms)" + story(w).get());
            assertRunsOnOneOf(w, vm, 0, Set.of(0, 1));
        }
        assertEquals(List.of(), w.violations(), story(w));
    }

    /**
     * Re-admission: once the cut host has fenced, been declared and left the configuration, the master's
     * housekeeping asks to re-admit it; when the cable is back it is reset into the pool, live again, and nobody
     * fences or declares anything afterwards.
     */
    @Test
    void aFencedAndDeclaredHostIsReadmittedByTheMaster() {
        HaWorld w = world(3, 5);
        w.resetOnReadmit = true;
        w.protectedVm(2, 0);
        armHa(w);
        long cut = w.now();
        w.isolate(2);
        w.runUntil(cut + 3 * TN);

        HostId two = HaWorld.hostId(2);
        Call declared = first(w, Kind.DECLARED, two);
        Call removed = first(w, Kind.REMOVE_VOTER, two);
        List<Call> asks = w.calls(Kind.READMIT);
        assertFalse(asks.isEmpty(), () -> "never asked to re-admit" + story(w).get());
        assertEquals(asks, by(w.calls(Kind.READMIT, two), 0), story(w));
        assertTrue(asks.get(0).at() > Math.max(declared.at(), removed.at()), story(w));
        assertEquals(List.of(), w.calls(Kind.READMITTED), story(w));

        long healed = w.now();
        w.healAll();
        w.runUntil(healed + TN);
        Call readmitted = first(w, Kind.READMITTED, two);
        assertTrue(readmitted.at() <= healed + 2 * HB, story(w));
        assertFalse(w.member(2).fenced(), story(w));
        assertTrue(w.member(0).state.hosts().get(two).live(), story(w));
        assertTrue(w.member(0).peers.contains(two), story(w));

        long back = w.now();
        w.runUntil(back + 3 * TN);
        assertTrue(w.member(2).monitor.armed(), story(w));
        assertEquals(1, w.calls(Kind.SELF_FENCE).size(), story(w));
        assertEquals(1, w.calls(Kind.DECLARE).size(), story(w));
        assertTrue(w.calls(Kind.READMIT).stream().allMatch(c -> c.at() <= readmitted.at()), story(w));
        assertEquals(List.of(), w.violations(), story(w));
    }

    /** pool-ha-disable disarms every monitor at its next tick: no beat leaves afterwards, and a cut fences nobody. */
    @Test
    void haDisableDisarmsNoBeatsAndNoFencesWhenCut() {
        HaWorld w = world(3, 6);
        VmId vm = w.protectedVm(2, 0);
        armHa(w);
        long disabled = w.now();
        w.disableHaEverywhere();
        w.runUntil(disabled + 2 * TICK);
        for (SimMember m : w.members()) {
            assertFalse(m.monitor.armed(), () -> m + " still armed" + story(w).get());
            assertTrue(m.lastBeatSent <= disabled, () -> m + " sent a beat after disarming" + story(w).get());
        }
        long beats = w.members().stream().mapToLong(m -> m.beatsSent).sum();
        for (int i = 0; i < 3; i++) {
            w.isolate(i);
        }
        w.runUntil(w.now() + 3 * TN);

        assertEquals(beats, w.members().stream().mapToLong(m -> m.beatsSent).sum(), story(w));
        for (Kind kind : List.of(Kind.SELF_FENCE, Kind.DECLARE, Kind.REFOUND, Kind.RESTART, Kind.READMIT)) {
            assertEquals(List.of(), w.calls(kind), story(w));
        }
        assertEquals(Set.of(HaWorld.hostId(2)), w.runningOn(vm), story(w));
        assertEquals(List.of(), w.violations(), story(w));
    }
}
