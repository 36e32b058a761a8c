package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.member.MemberState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.pool.CommandPool;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Issue 11 item 6, DESIGN §9.3/§9.5: a seeded schedule of faults on a real HA pool in this JVM (Ratis over gRPC on
 * loopback, {@link TestingPool#HA} timings, ha-timeout 2 s) for {@value #DEFAULT_SECONDS} s and at least
 * {@value #MIN_FAULTS} faults — cables pulled, halves, bridges, one-way cuts, mute and deaf hosts, crashes (the
 * master's too), members restarted cleanly (the master's too; off with {@code
 * -Dpoolkeeper.nemesis.noMemberRestarts=true}), see {@link NemesisSchedule} — under concurrent writers, checking on
 * the real runtime:
 *
 * <ol>
 *   <li>no VM ever runs on two unfenced hosts (the simulated hypervisors, every 50 ms and every placement);
 *   <li>at most one master accepts writes per generation: members that applied the same log index of the same
 *       generation hold the same state ({@link NemesisWatch});
 *   <li>no acknowledged write is lost: every write the pool answered with a result is in the final state. The schedule
 *       always leaves a surviving side, so this holds across re-foundings too: a write is acknowledged only once a
 *       majority of its generation's voters has it, so the surviving side of a tie holds it, and the re-founding
 *       imports the most up-to-date survivor's whole log; a write the losing side took was never acknowledged;
 *   <li>after each fault is healed, the pool settles (one master, every host live, a slave or the master of the
 *       current generation, HA armed) and every protected VM runs again within its bound: the HA span D + W(1+ρ) + ε
 *       after the fault began (when its host fenced or crashed, the survivors declare it then and restart its VMs)
 *       plus {@link #RESTART_ALLOWANCE}, or that allowance after the heal, whichever is later.
 * </ol>
 *
 * <p>Faults come one at a time and the pool settles in between, so each is judged against the whole pool; a crashed
 * host boots again only once the survivors declared it (a real reboot outlasts the HA timeout). The seed is printed;
 * {@code -Dpoolkeeper.seed=N} replays the same faults (their timing against the runtime differs), {@code
 * -Dpoolkeeper.nemesis.hosts=3..5} and {@code -Dpoolkeeper.nemesis.seconds=} change the pool and the length, {@code
 * -Dpoolkeeper.nemesis.kinds=KIND,...} limits the faults to those kinds.
 */
@Timeout(240)
// Asserts how soon the pool settles after each fault: no other test class runs meanwhile.
@Isolated
class NemesisTest {
    static final long DEFAULT_SECONDS = 45;
    /** Faults every run goes through, even past {@link #RUN} (within twice that). */
    private static final int MIN_FAULTS = 5;

    private static final long SEED = Long.getLong("poolkeeper.seed", System.nanoTime());
    private static final int HOSTS = Integer.getInteger("poolkeeper.nemesis.hosts", 4);
    private static final Duration RUN = Duration.ofSeconds(Long.getLong("poolkeeper.nemesis.seconds", DEFAULT_SECONDS));
    private static final Duration HA_TIMEOUT = Duration.ofSeconds(2);
    /** Committing a verdict, re-founding if need be, and starting the VMs, on a loaded 2-core machine. */
    static final Duration RESTART_ALLOWANCE = Duration.ofSeconds(8);
    /** The longest the pool may take to settle after a heal. */
    private static final Duration SETTLE = Duration.ofSeconds(30);

    static {
        System.out.println("NemesisTest seed " + SEED + " (-Dpoolkeeper.seed=" + SEED + " replays it), " + HOSTS
                + " hosts, " + RUN.toSeconds() + " s");
    }

    @TempDir
    Path dir;

    private long t0;

    @Test
    void aSeededScheduleOfFaultsBreaksNoHaInvariant() throws Exception {
        t0 = System.nanoTime();
        try (TestingPool pool = TestingPool.builder(dir).start(HOSTS)) {
            pool.pool(pool.awaitMaster()).enableHa(Optional.of(HA_TIMEOUT));
            await().atMost(TestingPool.WAIT).until(() -> pool.members().stream().allMatch(RatisPoolMember::haArmed));
            List<VmId> protectedVms = new ArrayList<>();
            for (int i = 0; i < HOSTS; i++) {
                int master = pool.awaitMaster();
                VmId vm = pool.pool(master).createVm(VmSpec.of("protected-" + i, 1L << 30, 1));
                pool.pool(master).setVmParam(vm, "ha-restart-priority", "restart");
                pool.pool(master).startVm(vm, Optional.of(pool.host(i)), false);
                protectedVms.add(vm);
            }
            Duration span =
                    Duration.ofNanos(TestingPool.HA.deadlines(HA_TIMEOUT).declareAfter());
            NemesisSchedule schedule = new NemesisSchedule(SEED, HOSTS, span);
            List<String> transcript = new ArrayList<>();
            int faults = 0;
            long worstSettleMillis = 0;
            try (GrpcPoolClient client = GrpcPoolClient.builder()
                            .members(pool.addresses())
                            .transportSecurity(pool.clientSecurity())
                            .requestTimeout(Duration.ofSeconds(5))
                            .build();
                    NemesisWatch watch = new NemesisWatch(pool, t0)) {
                List<Supplier<CommandPool>> via = new ArrayList<>();
                for (int i = 0; i < HOSTS; i++) {
                    int host = i;
                    via.add(() -> embedded(pool, host));
                }
                via.add(client::pool);
                try (NemesisWriters writers = new NemesisWriters(via, 2)) {
                    long start = System.nanoTime();
                    // At least MIN_FAULTS faults whatever the machine's pace: a schedule heavy in crashes takes ~15 s a
                    // fault (hold, declaration, reboot, settling), and fewer faults would judge less.
                    while (System.nanoTime() - start < RUN.toNanos() || faults < MIN_FAULTS) {
                        assertTrue(
                                System.nanoTime() - start < RUN.plus(RUN).toNanos(),
                                "only " + faults + " faults in " + RUN.plus(RUN).toSeconds() + " s: " + transcript);
                        NemesisSchedule.Fault fault = schedule.next(pool::awaitMaster);
                        log(transcript, fault.toString());
                        long began = System.nanoTime();
                        apply(pool, fault);
                        // Held for its time, failing at once if an invariant breaks meanwhile.
                        try {
                            await().during(fault.hold())
                                    .atMost(fault.hold().plusSeconds(5))
                                    .until(() -> watch.violations().isEmpty());
                        } catch (ConditionTimeoutException e) {
                            throw new AssertionError(fault + ": " + watch.violations() + "\n" + transcript, e);
                        }
                        heal(pool, fault, protectedVms, transcript);
                        long healed = System.nanoTime();
                        long settled = settle(pool, protectedVms, fault, transcript, writers);
                        long vmsBy = Math.max(
                                began + span.plus(RESTART_ALLOWANCE).toNanos(), healed + RESTART_ALLOWANCE.toNanos());
                        assertTrue(
                                settled <= vmsBy,
                                fault + ": protected VMs running again only " + (settled - healed) / 1_000_000
                                        + " ms after the heal, beyond their bound");
                        worstSettleMillis = Math.max(worstSettleMillis, (settled - healed) / 1_000_000);
                        log(
                                transcript,
                                "settled " + (settled - healed) / 1_000_000 + " ms after the heal, generation "
                                        + pool.member(pool.awaitMaster()).generation() + ", "
                                        + writers.acknowledgedCount()
                                        + " writes acknowledged");
                        assertEquals(List.of(), watch.violations(), "after " + fault);
                        // Before the next fault no member may still be outside a surviving partition: one whose view
                        // of the others lags the heal fences itself a moment later, and a second fault stacked on
                        // that lost host is a double failure (seed 93323750602399: a 2-of-4 tie without the lowest
                        // host, every host fenced). If it does fence, the pool re-admits it first.
                        quiet(pool, protectedVms, fault, transcript, writers);
                        // Before the next fault every member must have heard the grown liveset from every other: a
                        // cut within a heartbeat of a re-admission leaves the survivors holding the lost host's older
                        // liveset, against which its death cannot be proved (a known liveness gap, README "Pool HA").
                        await().atMost(TestingPool.WAIT).until(() -> pool.running()
                                .mapToObj(pool::member)
                                .allMatch(RatisPoolMember::haLivesetAgreed));
                        assertEquals(List.of(), watch.violations(), "after " + fault);
                        faults++;
                    }
                    writers.stop();
                    int master = pool.awaitMaster();
                    await().atMost(TestingPool.WAIT).until(() -> converged(pool));
                    PoolState last = pool.member(master)
                            .readLinearizable()
                            .get(30, java.util.concurrent.TimeUnit.SECONDS)
                            .state();
                    List<LoadWriters.Write> lost = writers.acknowledgedMissingFrom(last);
                    log(
                            transcript,
                            "done: " + faults + " faults, " + writers.acknowledgedCount()
                                    + " writes acknowledged, " + lost.size() + " lost, refused "
                                    + writers.refused().size()
                                    + ", not acknowledged " + writers.failures() + ", worst settle " + worstSettleMillis
                                    + " ms, generation " + last.requirePool().generation() + ", " + watch.samples()
                                    + " samples");
                    assertEquals(List.of(), lost, "acknowledged writes lost");
                    assertEquals(List.of(), writers.refused(), "fresh creates refused");
                    assertTrue(writers.acknowledgedCount() > 0, "no write was ever acknowledged");
                }
                assertEquals(List.of(), watch.violations());
            }
            pool.assertNoVmEverRanTwice();
        }
    }

    /** Host {@code i}'s embedded pool, or null while its member is down or not taking part in the pool. */
    private static CommandPool embedded(TestingPool pool, int i) {
        try {
            return pool.isRunning(i) ? pool.member(i).pool() : null;
        } catch (IllegalStateException e) {
            return null;
        }
    }

    private void apply(TestingPool pool, NemesisSchedule.Fault fault) {
        List<java.util.Set<Integer>> sides = fault.sides();
        for (int a = 0; a < sides.size(); a++) {
            for (int b = a + 1; b < sides.size(); b++) {
                for (int x : sides.get(a)) {
                    for (int y : sides.get(b)) {
                        pool.cutBoth(x, y);
                    }
                }
            }
        }
        fault.oneWay().forEach(link -> pool.cut(link.from(), link.to()));
        fault.killed().forEach(pool::kill);
        fault.stopped().forEach(pool::stop);
    }

    private void heal(TestingPool pool, NemesisSchedule.Fault fault, List<VmId> protectedVms, List<String> transcript) {
        pool.healAll();
        for (int host : fault.killed()) {
            // A real host's reboot outlasts the HA timeout: it comes back once the survivors declared it.
            HostId id = pool.host(host);
            try {
                await().atMost(SETTLE).until(() -> pool.soleMaster()
                        .map(m -> pool.member(m).applied().state().hosts().get(id))
                        .filter(h -> !h.live())
                        .isPresent());
            } catch (ConditionTimeoutException e) {
                throw new AssertionError(
                        fault + ": the survivors did not declare host" + host + " dead within " + SETTLE.toSeconds()
                                + " s of the heal: " + describe(pool, protectedVms) + "\ntranscript: " + transcript,
                        e);
            }
            pool.restart(host);
        }
        fault.stopped().forEach(pool::restart);
    }

    /**
     * Waits until the pool has settled and every protected VM runs where the master says, and returns when that was
     * first seen ({@link System#nanoTime}).
     */
    private long settle(
            TestingPool pool,
            List<VmId> protectedVms,
            NemesisSchedule.Fault fault,
            List<String> transcript,
            NemesisWriters writers) {
        try {
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).until(() -> settled(pool, protectedVms));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    fault + ": the pool did not settle within " + SETTLE.toSeconds() + " s of the heal: "
                            + describe(pool, protectedVms) + "\nwriters (via host0.." + (HOSTS - 1)
                            + ", then the remote client):"
                            + writers.progress() + "\ntranscript: " + transcript,
                    e);
        }
        return System.nanoTime();
    }

    /** Waits until the pool is settled and every member is in a surviving partition: no self-fence is due. */
    private void quiet(
            TestingPool pool,
            List<VmId> protectedVms,
            NemesisSchedule.Fault fault,
            List<String> transcript,
            NemesisWriters writers) {
        long from = System.nanoTime();
        try {
            await().atMost(SETTLE)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> settled(pool, protectedVms)
                            && pool.members().stream()
                                    .allMatch(m -> m.haStatus().surviving()));
            long waited = (System.nanoTime() - from) / 1_000_000;
            if (waited > 100) {
                log(
                        transcript,
                        "quiet " + waited
                                + " ms later (a member was outside a surviving partition, or fenced and back)");
            }
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    fault + ": the pool settled but some member stayed outside a surviving partition for "
                            + SETTLE.toSeconds() + " s: " + describe(pool, protectedVms) + "\nwriters:"
                            + writers.progress() + "\ntranscript: " + transcript,
                    e);
        }
    }

    private static boolean settled(TestingPool pool, List<VmId> protectedVms) {
        Optional<Integer> master = pool.soleMaster();
        if (master.isEmpty() || pool.running().count() != pool.size()) {
            return false;
        }
        RatisPoolMember m = pool.member(master.get());
        PoolState state = m.applied().state();
        if (!state.isMaster(pool.host(master.get())) || m.raftPeers().size() != pool.size()) {
            return false;
        }
        for (int i = 0; i < pool.size(); i++) {
            RatisPoolMember other = pool.member(i);
            Host host = state.hosts().get(pool.host(i));
            boolean inPool = other.state() == MemberState.MASTER || other.state() == MemberState.SLAVE;
            if (!inPool || other.generation() != m.generation() || !other.haArmed() || host == null || !host.live()) {
                return false;
            }
        }
        for (VmId id : protectedVms) {
            Vm vm = state.vms().get(id);
            if (vm == null
                    || vm.powerState() != PowerState.RUNNING
                    || vm.currentOperation().isPresent()
                    || vm.residentOn().isEmpty()
                    || !pool.hypervisor(pool.indexOf(vm.residentOn().get()))
                            .runningVms()
                            .containsKey(id)) {
                return false;
            }
        }
        return true;
    }

    /** Every member applied the same state. */
    private static boolean converged(TestingPool pool) {
        PoolState first = pool.member(0).applied().state();
        return pool.members().stream().allMatch(m -> m.applied().state().equals(first));
    }

    private static String describe(TestingPool pool, List<VmId> protectedVms) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < pool.size(); i++) {
            if (!pool.isRunning(i)) {
                s.append("\n  host").append(i).append(" down");
                continue;
            }
            RatisPoolMember m = pool.member(i);
            s.append("\n  host")
                    .append(i)
                    .append(' ')
                    .append(m.state())
                    .append(" generation ")
                    .append(m.generation())
                    .append(" armed ")
                    .append(m.haArmed())
                    .append(" surviving ")
                    .append(m.haStatus().surviving())
                    .append(" peers ")
                    .append(m.raftPeers().size())
                    .append(" live ")
                    .append(m.applied().state().hosts().values().stream()
                            .filter(Host::live)
                            .map(h -> pool.indexOf(h.uuid()))
                            .toList())
                    .append(" runs ")
                    .append(pool.hypervisor(i).runningVms().keySet());
        }
        pool.soleMaster().ifPresent(master -> {
            PoolState state = pool.member(master).applied().state();
            for (VmId id : protectedVms) {
                Vm vm = state.vms().get(id);
                s.append("\n  ")
                        .append(id)
                        .append(' ')
                        .append(vm.powerState())
                        .append(" on ")
                        .append(vm.residentOn().map(pool::indexOf))
                        .append(' ')
                        .append(vm.currentOperation());
            }
        });
        return s.toString();
    }

    private void log(List<String> transcript, String line) {
        String stamped = String.format("t=%.2fs %s", (System.nanoTime() - t0) / 1e9, line);
        transcript.add(stamped);
        System.out.println("nemesis " + stamped);
    }
}
