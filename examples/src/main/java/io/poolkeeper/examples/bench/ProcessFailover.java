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
 */
final class ProcessFailover {
    private ProcessFailover() {}

    static void run(Path root, String memberJvm, List<String> memberArgs, int trials, Path dir) throws Exception {
        System.out.printf(
                "poolkeeper kill -9 failover benchmark (issue 13): %d trials, member JVM options \"%s\", member options %s,"
                        + " load1 %.2f%n",
                trials, memberJvm, memberArgs, LoadAverage.oneMinute());
        List<Double> millis = new ArrayList<>();
        try (MemberProcesses members = MemberProcesses.start(root, memberJvm, memberArgs, 3, dir);
                PoolClient client = members.client(Duration.ofSeconds(60))) {
            VmId vm = client.pool().createVm(VmSpec.of("failover", 1L << 30, 1)).join();
            for (int trial = 1; trial <= trials; trial++) {
                members.awaitSettled(Duration.ofMinutes(2));
                int master = members.awaitMaster(Duration.ofMinutes(1));
                client.pool().setVmParam(vm, "name-label", "before-" + trial).join();
                long killed = System.nanoTime();
                members.kill(master);
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
                System.out.printf(
                        Locale.ROOT,
                        "trial %d: killed %s (master), next write acknowledged after %.0f ms, load1 %.2f%n",
                        trial,
                        members.member(master).name(),
                        ms,
                        LoadAverage.oneMinute());
                members.restart(master);
            }
        }
        double[] sorted =
                millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(
                Locale.ROOT,
                "master killed -> next acknowledged write over %d trials: median %.0f ms, max %.0f ms, all %s%n",
                sorted.length,
                sorted[(sorted.length - 1) / 2],
                sorted[sorted.length - 1],
                Arrays.toString(millis.stream().mapToLong(Math::round).toArray()));
    }
}
