package io.poolkeeper.examples.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The benchmarks of issue 13 on member processes started the way a user starts them: leader stability under load
 * ({@code stability=}), kill -9 failover ({@code failover=}), the side-by-side run with ZooKeeper ({@code side=}) and
 * the scale benchmark on processes ({@code scale=} with {@code processes=}).
 * Each exits the JVM when done (Ratis and gRPC threads would keep it alive), status 1 after a failure, having removed
 * its processes and files.
 */
final class ProcessBenchmarks {
    private ProcessBenchmarks() {}

    /** Runs the one {@code args} asks for and exits; returns only when it asks for none of them. */
    static void runIfAsked(BenchmarkArgs args) throws Exception {
        Path root = Path.of(System.getProperty("poolkeeper.root", ".."))
                .toAbsolutePath()
                .normalize();
        if (!args.scaleVms().isEmpty() && args.scaleProcesses() > 0) {
            Path dir = Files.createTempDirectory("poolkeeper-scalebench");
            dir.toFile().deleteOnExit();
            String jvm = args.given().contains("memberJvm") ? args.memberJvm() : ScaleProcesses.MEMBER_JVM;
            exit(
                    dir,
                    () -> ScaleProcesses.run(
                            root,
                            jvm,
                            args.memberArgs(),
                            args.scaleVms(),
                            args.scaleProcesses(),
                            Duration.ofSeconds(args.readSeconds()),
                            dir));
        }
        if (args.stabilitySeconds() > 0) {
            Path dir = Files.createTempDirectory("poolkeeper-stability");
            exit(
                    dir,
                    () -> LeaderStability.run(
                            root, args.memberJvm(), args.memberArgs(), args.stabilitySeconds(), args.window(), dir));
        }
        if (args.processFailovers() > 0) {
            Path dir = Files.createTempDirectory("poolkeeper-failoverbench");
            dir.toFile().deleteOnExit();
            exit(
                    dir,
                    () -> ProcessFailover.run(
                            root,
                            args.memberJvm(),
                            args.memberArgs(),
                            args.processFailovers(),
                            args.failoverQuiet(),
                            args.failoverStop(),
                            args.failoverVms(),
                            dir));
        }
        if (!args.side().isEmpty()) {
            if (!SideBySide.PARTS.containsAll(args.side())) {
                throw new IllegalArgumentException("side= takes all or a subset of " + SideBySide.PARTS);
            }
            if (args.memberJvm().isBlank()) {
                throw new IllegalArgumentException("memberJvm= must not be empty (the launcher would use its default)");
            }
            // Shorter defaults than the issue-3 benchmark's: two systems, each JIT-warmed, in about 3 minutes.
            Path dir = Files.createTempDirectory("poolkeeper-sidebench");
            // On Ctrl-C: removed after the shutdown hooks of MemberProcesses and ZooKeeperEnsemble emptied it.
            dir.toFile().deleteOnExit();
            SideBySide.Settings settings = new SideBySide.Settings(
                    root,
                    args.side(),
                    args.memberJvm(),
                    args.memberArgs(),
                    args.window(),
                    args.seconds("jit", args.jit(), 20),
                    args.seconds("warmup", args.warmup(), 3),
                    args.seconds("measure", args.measure(), 10),
                    args.syncWarmup(),
                    args.count("writes", args.writes(), 5_000));
            exit(dir, () -> new SideBySide(settings, dir).run());
        }
    }

    private interface Run {
        void run() throws Exception;
    }

    /**
     * Runs {@code run}, removes {@code dir} and exits: status 1 if it failed (the shutdown hooks kill the processes it
     * started).
     */
    private static void exit(Path dir, Run run) {
        int status = 0;
        try {
            run.run();
        } catch (Exception | Error e) {
            e.printStackTrace();
            status = 1;
        }
        Benchmark.deleteTree(dir);
        System.exit(status);
    }
}
