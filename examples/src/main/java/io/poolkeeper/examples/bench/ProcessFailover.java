package io.poolkeeper.examples.bench;

import io.poolkeeper.api.IndeterminateOutcomeException;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.VmId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;

/**
 * The kill -9 failover benchmark of issue 13 on member processes ({@code failover=N}): N trials, each kills the
 * master process with SIGKILL and times how long until the next write is acknowledged through a client given every
 * member's address (writes sent one after the other, each retried by the client until a new master takes it); the
 * killed member is then restarted on its own directory and ports and the pool left to settle before the next trial.
 * Stopped instead ({@code failoverStop=true}), the master answers nothing and refuses nothing, as a hung host or one
 * whose power went: the survivors wait for their election timeout, and the client for its hung-member watch. What
 * the members logged during the slowest trial is kept in {@code $TMPDIR/poolkeeper-failover-slowest/} (the rest of
 * the benchmark's directory is removed at the end).
 */
final class ProcessFailover {
    private ProcessFailover() {}

    /** A member busier than this share of one core over the window is not quiet. */
    private static final double QUIET_SHARE = 0.25;

    /** How long every member must have been master or slave before a trial's kill. */
    private static final Duration SETTLED_FOR = Duration.ofSeconds(1);

    private static final Duration QUIET_WINDOW = Duration.ofMillis(500);
    private static final Duration QUIET_TIMEOUT = Duration.ofSeconds(30);

    /**
     * @param quiet whether each trial first waits until no member process uses more than a quarter of a core
     *     ({@code failoverQuiet=true}); without it a trial starts once the roles are settled
     * @param stop whether the master is stopped (SIGSTOP: a hung host, silent to the others, {@code
     *     failoverStop=true}) rather than killed; it is killed once the write is acknowledged
     * @param vms VMs the pool holds before the first trial ({@code failoverVms=}): failover at scale
     */
    static void run(
            Path root,
            String memberJvm,
            List<String> memberArgs,
            int trials,
            boolean quiet,
            boolean stop,
            int vms,
            Path dir)
            throws Exception {
        System.out.printf(
                "poolkeeper %s failover benchmark (issue 13): %d trials, member JVM options \"%s\", member options %s,"
                        + " %s, load1 %.2f%n",
                stop ? "kill -STOP" : "kill -9",
                trials,
                memberJvm,
                memberArgs,
                quiet ? "each kill once no member uses over a quarter of a core" : "each kill once the roles settle",
                LoadAverage.oneMinute());
        List<Double> millis = new ArrayList<>();
        try (MemberProcesses members = MemberProcesses.start(root, memberJvm, memberArgs, 3, dir);
                PoolClient client = members.client(Duration.ofSeconds(60))) {
            VmId vm = client.pool().createVm(VmSpec.of("failover", 1L << 30, 1)).join();
            if (vms > 0) {
                long from = System.nanoTime();
                Scale.fill(client.pool(), vms);
                System.out.printf(
                        Locale.ROOT,
                        "the pool holds %d more VMs (filled in %.1f s through the client)%n",
                        vms,
                        (System.nanoTime() - from) / 1e9);
            }
            SlowestTrial slowest = new SlowestTrial(
                    Path.of(System.getProperty("java.io.tmpdir"), "poolkeeper-failover-slowest"), members.logs());
            for (int trial = 1; trial <= trials; trial++) {
                // Settled for a second: a member restarted by the trial before that became a slave a moment ago
                // has not yet opened its watch of the master's process (the quick election's trigger); a kill then
                // is left to Raft's election timeout. That is the failover right after a restart, not this one's.
                members.awaitSettled(SETTLED_FOR, Duration.ofMinutes(2));
                // What is timed is the failover of a settled pool: not one whose member restarted by the trial
                // before is still compiling its code on the two cores the other members use too (on separate hosts,
                // as in production, it would not slow them).
                long quietNanos = quiet ? members.awaitQuiet(QUIET_WINDOW, QUIET_SHARE, QUIET_TIMEOUT) : 0;
                int master = members.awaitMaster(Duration.ofMinutes(1));
                client.pool().setVmParam(vm, "name-label", "before-" + trial).join();
                slowest.started();
                long killed = System.nanoTime();
                if (stop) {
                    members.freeze(master);
                } else {
                    members.kill(master);
                }
                // The first write after the kill: the client fails over by itself. One sent to the master as it died
                // has an unknown outcome; an application would send it again (it sets a value: idempotent).
                while (true) {
                    try {
                        client.pool()
                                .setVmParam(vm, "name-label", "after-" + trial)
                                .join();
                        break;
                    } catch (CompletionException e) {
                        if (!(e.getCause() instanceof IndeterminateOutcomeException)) {
                            throw e;
                        }
                        System.out.println("trial " + trial + ": outcome unknown, sent again: " + e.getCause());
                    }
                }
                double ms = (System.nanoTime() - killed) / 1e6;
                millis.add(ms);
                slowest.ended(trial, ms);
                System.out.printf(
                        Locale.ROOT,
                        "trial %d: %s %s (master), next write acknowledged after %.0f ms, load1 %.2f%s%n",
                        trial,
                        stop ? "stopped" : "killed",
                        members.member(master).name(),
                        ms,
                        LoadAverage.oneMinute(),
                        !quiet
                                ? ""
                                : quietNanos < 0
                                        ? ", members still busy after " + QUIET_TIMEOUT.toSeconds() + " s"
                                        : String.format(Locale.ROOT, ", quiet after %.1f s", quietNanos / 1e9));
                if (stop) {
                    members.kill(master);
                }
                members.restart(master);
            }
            System.out.println(slowest.describe());
        }
        double[] sorted =
                millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(
                Locale.ROOT,
                "master %s -> next acknowledged write over %d trials: median %.0f ms, max %.0f ms, all %s%n",
                stop ? "stopped" : "killed",
                sorted.length,
                sorted[(sorted.length - 1) / 2],
                sorted[sorted.length - 1],
                Arrays.toString(millis.stream().mapToLong(Math::round).toArray()));
    }
}
