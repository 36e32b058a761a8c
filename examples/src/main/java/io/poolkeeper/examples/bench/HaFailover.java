package io.poolkeeper.examples.bench;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.ha.HaSettings;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * HA failover, trial after trial (issue 10): time from a host's cable pulled to its protected VMs running again on a
 * survivor. Each trial builds a fresh pool of real members ({@link TestingPool}: Raft and PoolService over gRPC on
 * loopback, simulated hypervisors) with the production settings ({@link MemberTimeouts#defaults()}, {@link
 * HaSettings#defaults()}: heartbeats every {@code max(1 s, T/10)}, a margin of two heartbeats), enables HA with
 * timeout T, starts {@link #VMS} protected VMs on the victim, waits one to two heartbeat intervals (so every member
 * has heard every other and the cut falls at a random point of the heartbeat cycle), pulls the victim's cable and
 * polls every {@link #POLL_MILLIS} ms until both VMs run on a survivor, then kills the pool and deletes its files.
 *
 * <p>"Running again" means both: the survivors' master's applied state has the VM Running with {@code residentOn} a
 * survivor, and that survivor's hypervisor lists it. Every time is taken by the polling thread, so each is late by
 * at most one poll interval plus the time one poll takes.
 */
final class HaFailover {
    /** Protected VMs on the victim. */
    static final int VMS = 2;

    static final long POLL_MILLIS = 20;

    /** Which host loses its cable. */
    enum Scenario {
        /** 3 hosts; a slave runs the VMs and is cut off; the master survives. */
        SLAVE(3, "3 hosts, slave's cable"),
        /** 3 hosts; the master runs the VMs and is cut off; the two others elect a new master. */
        MASTER(3, "3 hosts, master's cable"),
        /**
         * 2 hosts; the higher-UUID host runs the VMs and is cut off; the lower survives with half of the voters and
         * re-founds the pool in a new generation. Odd trials make the victim the master, even ones the survivor.
         */
        PAIR(2, "2 hosts, higher UUID's cable");

        final int hosts;
        final String label;

        Scenario(int hosts, String label) {
            this.hosts = hosts;
            this.label = label;
        }
    }

    /**
     * One trial; times in milliseconds after the cable was pulled, NaN for what did not happen (or does not apply).
     *
     * @param scenario which host was cut off
     * @param haTimeout T
     * @param victim the first 8 characters of the cut-off host's uuid
     * @param victimWasMaster whether the cut-off host was master
     * @param fencedMillis the victim's member reached FENCED
     * @param masterMillis a survivor is master in a newer generation (re-founded; 2 hosts) or a survivor became
     *     master (the master's cable); NaN when the master survived
     * @param deadMillis the survivors' master's applied state has the victim not live (its death committed)
     * @param firstVmMillis the first protected VM runs on a survivor
     * @param allVmsMillis every protected VM runs on a survivor: the result
     * @param loadAverage the 1-minute load average at the end of the trial
     * @param failure empty, or why the trial failed (with the pool's state at that moment)
     */
    record Trial(
            Scenario scenario,
            Duration haTimeout,
            String victim,
            boolean victimWasMaster,
            double fencedMillis,
            double masterMillis,
            double deadMillis,
            double firstVmMillis,
            double allVmsMillis,
            double loadAverage,
            String failure) {}

    private HaFailover() {}

    /**
     * Runs {@code trials} trials of each scenario at each HA timeout, the scenarios interleaved (so that a change in
     * the machine's load falls on all of them alike), each in a fresh directory under {@code dir}, deleted after it.
     */
    static List<Trial> runAll(List<Duration> timeouts, List<Scenario> scenarios, int trials, Path dir) {
        List<Trial> out = new ArrayList<>();
        for (Duration t : timeouts) {
            for (int n = 1; n <= trials; n++) {
                for (Scenario scenario : scenarios) {
                    Path trialDir =
                            dir.resolve(scenario.name().toLowerCase(Locale.ROOT) + "-" + t.toSeconds() + "-" + n);
                    try {
                        out.add(run(scenario, t, n, trialDir));
                    } catch (RuntimeException e) {
                        // A pool that would not start or settle: reported with the results, not hidden.
                        System.out.printf("%s T=%ds trial %d: setup failed: %s%n", scenario.label, t.toSeconds(), n, e);
                        out.add(setupFailed(scenario, t, e));
                    } finally {
                        Benchmark.deleteTree(trialDir);
                    }
                }
            }
        }
        return out;
    }

    private static Trial setupFailed(Scenario scenario, Duration t, RuntimeException e) {
        double nan = Double.NaN;
        return new Trial(scenario, t, "-", false, nan, nan, nan, nan, nan, LoadAverage.oneMinute(), "setup: " + e);
    }

    /** Runs one trial of {@code scenario} at HA timeout {@code t} in {@code dir} (deleted by the caller). */
    static Trial run(Scenario scenario, Duration t, int number, Path dir) {
        HaSettings settings = HaSettings.defaults();
        try (TestingPool pool = TestingPool.builder(dir)
                .timeouts(MemberTimeouts.defaults())
                .haSettings(settings)
                .await(Duration.ofSeconds(60))
                .poolName("ha-bench")
                .start(scenario.hosts)) {
            int master = pool.awaitMaster();
            int victim =
                    switch (scenario) {
                        case SLAVE -> pool.slaves().get(number % 2);
                        case MASTER -> master;
                        case PAIR -> pool.host(0).compareTo(pool.host(1)) > 0 ? 0 : 1;
                    };
            if (scenario == Scenario.PAIR && (victim == master) != (number % 2 == 1)) {
                int wanted = number % 2 == 1 ? victim : 1 - victim;
                pool.pool(master).designateNewMaster(pool.host(wanted));
                Poll.until("host" + (wanted + 1) + " master", Duration.ofSeconds(60), () -> pool.soleMaster()
                        .filter(m ->
                                m == wanted && pool.member(m).applied().state().isMaster(pool.host(m)))
                        .isPresent());
                master = wanted;
            }
            List<Integer> survivors = pool.others(victim);
            pool.pool(master).enableHa(Optional.of(t));
            Poll.until("HA armed on every member", Duration.ofSeconds(60), () -> pool.members().stream()
                    .allMatch(RatisPoolMember::haArmed));
            List<VmId> vms = startProtectedVms(pool, master, victim);
            // Every member has heard every other (beats go out at arming, then every interval), and the cut falls
            // at a random point of the heartbeat cycle.
            long beat = settings.heartbeatInterval(t).toNanos();
            LockSupport.parkNanos(beat + ThreadLocalRandom.current().nextLong(beat));
            long generation = pool.member(survivors.get(0)).generation();
            String name = pool.host(victim).toString().substring(0, 8);
            boolean victimWasMaster = victim == master;
            System.out.printf(
                    "%s T=%ds trial %d: pulling host%d's cable (%s, %s) at %s%n",
                    scenario.label,
                    t.toSeconds(),
                    number,
                    victim + 1,
                    name,
                    victimWasMaster ? "master" : "slave",
                    LocalTime.now().truncatedTo(ChronoUnit.MILLIS));
            return measure(pool, scenario, t, victim, victimWasMaster, survivors, vms, generation);
        }
    }

    private static List<VmId> startProtectedVms(TestingPool pool, int master, int victim) {
        List<VmId> vms = new ArrayList<>();
        for (int i = 0; i < VMS; i++) {
            VmId vm = pool.pool(master).createVm(VmSpec.of("protected" + i, 1L << 30, 1));
            pool.pool(master).setVmParam(vm, "ha-restart-priority", "restart");
            pool.pool(master).startVm(vm, Optional.of(pool.host(victim)), false);
            vms.add(vm);
        }
        Poll.until("the protected VMs running on the victim", Duration.ofSeconds(60), () -> pool.hypervisor(victim)
                .listRunning()
                .containsAll(vms));
        return List.copyOf(vms);
    }

    private static Trial measure(
            TestingPool pool,
            Scenario scenario,
            Duration t,
            int victim,
            boolean victimWasMaster,
            List<Integer> survivors,
            List<VmId> vms,
            long generation) {
        HaWatch watch =
                new HaWatch(pool, victim, survivors, vms, scenario == Scenario.PAIR, victimWasMaster, generation);
        // Generous: a trial that takes this long has failed, and says so rather than hanging the run.
        long giveUp = t.multipliedBy(3).plusSeconds(60).toNanos();
        long cut = System.nanoTime();
        pool.isolate(victim);
        String failure = "";
        while (!watch.poll(System.nanoTime())) {
            if (System.nanoTime() - cut > giveUp) {
                failure = "no restart within " + TimeUnit.NANOSECONDS.toSeconds(giveUp) + " s: " + watch.describe();
                System.out.println("  FAILED: " + failure);
                break;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS));
        }
        try {
            pool.assertNoVmEverRanTwice();
        } catch (AssertionError e) {
            failure = (failure.isEmpty() ? "" : failure + "; ") + "a VM ran twice: " + e.getMessage();
            System.out.println("  a VM ran twice: " + e.getMessage());
        }
        Trial trial = new Trial(
                scenario,
                t,
                pool.host(victim).toString().substring(0, 8),
                victimWasMaster,
                watch.fenced().millisAfter(cut),
                watch.master().millisAfter(cut),
                watch.dead().millisAfter(cut),
                watch.firstVm().millisAfter(cut),
                watch.allVms().millisAfter(cut),
                LoadAverage.oneMinute(),
                failure);
        System.out.printf(
                "  fenced %.0f ms, master %.0f ms, dead %.0f ms, VMs running %.0f ms / %.0f ms%n",
                trial.fencedMillis(),
                trial.masterMillis(),
                trial.deadMillis(),
                trial.firstVmMillis(),
                trial.allVmsMillis());
        return trial;
    }
}
