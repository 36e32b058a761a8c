package io.poolkeeper.examples.bench;

import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.VmId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The leader-stability run of issue 13 ({@code stability=SECONDS}): three member processes under full pipelined load
 * (the throughput workload, through a client given every address) for SECONDS, while every member's role is polled
 * every 100 ms. It reports each change of master it saw and, from the members' logs, every Raft role change (an
 * election started, even one that changed nothing), which a poll could miss.
 */
final class LeaderStability {
    private static final Duration POLL = Duration.ofMillis(100);

    private LeaderStability() {}

    static void run(Path root, String memberJvm, List<String> memberArgs, int seconds, int window, Path dir)
            throws Exception {
        System.out.printf(
                Locale.ROOT,
                "poolkeeper leader stability (issue 13): %d s of pipelined load (window %d), member JVM options \"%s\","
                        + " member options %s, load1 %.2f%n",
                seconds,
                window,
                memberJvm,
                memberArgs,
                LoadAverage.oneMinute());
        try (MemberProcesses members = MemberProcesses.start(root, memberJvm, memberArgs, 3, dir);
                PoolClient client = members.client(Duration.ofSeconds(60))) {
            members.awaitSettled(Duration.ofMinutes(2));
            int first = members.awaitMaster(Duration.ofMinutes(1));
            List<VmId> seeded = Benchmark.seedVms(client.pool());
            List<Long> logLinesBefore = roleChangeCounts(members);
            List<String> changes = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            long started = System.nanoTime();
            Thread watcher = new Thread(() -> watch(members, first, started, stop, changes), "stability-watch");
            watcher.start();
            Throughput load = PipelinedLoad.run(
                    "stability",
                    window,
                    Duration.ZERO,
                    Duration.ofSeconds(seconds),
                    Benchmark.transitions(client.pool(), seeded));
            stop.set(true);
            watcher.join();
            List<Long> logLinesAfter = roleChangeCounts(members);
            long elections = 0;
            for (int i = 0; i < members.size(); i++) {
                elections += logLinesAfter.get(i) - logLinesBefore.get(i);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%d s: %.0f ops/s, p50 %.1f ms, p99 %.1f ms, failed %d; master changes seen %d%s; Raft role"
                            + " changes in the members' logs %d; load1 %.2f%n",
                    seconds,
                    load.opsPerSecond(),
                    load.p50Millis(),
                    load.p99Millis(),
                    load.failed(),
                    changes.size(),
                    changes.isEmpty() ? "" : " " + changes,
                    elections,
                    LoadAverage.oneMinute());
        }
    }

    private static void watch(
            MemberProcesses members, int master, long started, AtomicBoolean stop, List<String> changes) {
        int current = master;
        while (!stop.get()) {
            for (int i = 0; i < members.size(); i++) {
                Optional<MemberRole> role;
                try {
                    role = members.role(i);
                } catch (RuntimeException e) {
                    role = Optional.empty();
                }
                if (role.equals(Optional.of(MemberRole.MASTER)) && i != current) {
                    synchronized (changes) {
                        changes.add(String.format(
                                Locale.ROOT,
                                "%s at %.1f s",
                                members.member(i).name(),
                                (System.nanoTime() - started) / 1e9));
                    }
                    current = i;
                }
            }
            try {
                Thread.sleep(POLL.toMillis()); // a poll period, not a wait for a condition
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** How many lines of each member's log record a Raft role change (Ratis logs every one). */
    private static List<Long> roleChangeCounts(MemberProcesses members) throws IOException {
        List<Long> counts = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Path log = members.member(i).dir().resolve("member.log");
            long n = 0;
            if (Files.exists(log)) {
                try (var lines = Files.lines(log)) {
                    n = lines.filter(l -> l.contains("changes role from")).count();
                }
            }
            counts.add(n);
        }
        return counts;
    }
}
