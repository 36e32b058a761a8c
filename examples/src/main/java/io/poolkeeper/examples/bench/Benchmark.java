package io.poolkeeper.examples.bench;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.RatisPoolMember;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The benchmark of issue 3, in one run (about 2 minutes): committed transitions per second on a 3-member loopback
 * pool with a pipelined client (embedded on the master, embedded on a slave, remote over gRPC), a bare Ratis counter
 * with one command per log entry under the same Raft settings, and master-killed-to-first-write over several trials.
 * Prints a table; see docs/BENCHMARKS.md.
 *
 * <p>Arguments ({@code key=value}, all optional; parsed by {@link BenchmarkArgs}): {@code window} operations in flight
 * (default 1000), {@code jit} seconds of load before any measurement (40), {@code warmup} and {@code measure} seconds
 * per throughput run (5, 10), {@code trials} failover trials (10), {@code paths} the throughput runs to make, as a
 * comma-separated subset of {@code master,slave,remote,bare} (all).
 *
 * <p>With {@code ha=} (HA timeouts in seconds, comma-separated, e.g. {@code ha=5,30}) it runs only the HA failover
 * benchmark of issue 10 instead ({@link HaFailover}): {@code trials} trials of each scenario at each timeout, the
 * scenarios a comma-separated subset of {@code slave,master,pair} ({@code scenarios=}, default all).
 *
 * <p>With {@code scale=1000,10000} it runs only the scale benchmark of issue 13 ({@link Scale}): for each VM count a
 * pool of {@code members=} real members (default 8: 5 voters, 3 listeners), snapshot, reads, a join and an emergency
 * import; {@code reads=} seconds per read measurement (default 3). With {@code processes=N} as well, the pool is N
 * {@code poolkeeper member} processes and one member in this JVM instead ({@link ScaleProcesses}; {@code memberJvm=}
 * replaces its light member JVM options).
 *
 * <p>With {@code planner=N} it runs only the HA planner benchmark of issue 11 ({@link HaPlanner}), N trials each.
 *
 * <p>With {@code tls=N} it runs only the TLS cost benchmark of issue 12 ({@link TlsCost}, about 6 minutes for N = 3):
 * N fresh plain-text and N fresh mutual-TLS pools, alternated, each measured for pipelined write throughput (remote
 * client and embedded on the master) and for {@code writes} synchronous writes through the remote client (2,000);
 * prints insecure and TLS medians side by side. Its defaults are shorter: {@code jit} 40 s in all (split over one
 * pool of each kind), {@code warmup} 3 s and {@code measure} 8 s per throughput run.
 *
 * <p>With {@code side=all} (or a subset of {@code poolkeeper,zookeeper,embedded,bare}) it runs only the side-by-side
 * benchmark of issue 13 ({@link SideBySide}): three {@code poolkeeper member} processes started by the launcher with
 * {@code memberJvm} as their JVM options (default the launcher's), then a 3-server ZooKeeper ensemble, each driven
 * pipelined and synchronously through a client of the master (leader) and one of a slave (follower). Defaults:
 * {@code jit} 20 s per path (master and slave) of each system, {@code warmup} 3 s, {@code measure} 10 s, {@code
 * writes} 5,000 sync writes after {@code syncWarmup} 5,000 (a sync write's path is not the pipelined one, and 500 left
 * it half compiled: on one pool, a mean of 7.2 ms a write after 200 writes, 3.6 ms after 7,000 more).
 *
 * <p>With {@code failover=N} it runs only the kill -9 failover benchmark of issue 13 on member processes
 * ({@link ProcessFailover}): N trials of master process killed to next acknowledged write; with {@code
 * failoverQuiet=true} each kill waits until no member process uses more than a quarter of a core; with {@code
 * failoverStop=true} the master is stopped (SIGSTOP, a hung host) instead of killed; {@code failoverVms=N} fills
 * the pool with N VMs before the first trial.
 */
public final class Benchmark {
    private static final int SEED_VMS = 1_000;

    private final int window;
    private final Duration warmup;
    private final Duration measure;
    private final Duration jitWarmup;
    private final int trials;
    private final Set<String> paths;
    private final MemberTimeouts timeouts = MemberTimeouts.defaults();
    private static final AtomicLong NAMES = new AtomicLong();

    private Benchmark(
            int window, Duration jitWarmup, Duration warmup, Duration measure, int trials, Set<String> paths) {
        this.window = window;
        this.jitWarmup = jitWarmup;
        this.warmup = warmup;
        this.measure = measure;
        this.trials = trials;
        this.paths = paths;
    }

    public static void main(String[] args) throws Exception {
        // Ratis logs every election and snapshot at INFO: noise in the table, and CPU taken from the run.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        // Killing members makes Ratis log hundreds of expected warnings (refused connections, requests dropped by a
        // closed client); JVM pauses stay visible, as they explain outliers.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.ratis", "error");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.ratis.client.impl.OrderedAsync", "off");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.ratis.util.JvmPauseMonitor", "warn");
        BenchmarkArgs a = BenchmarkArgs.parse(args);
        if (!a.scaleVms().isEmpty() && a.scaleProcesses() == 0) {
            Scale.run(a.scaleVms(), a.scaleMembers(), Duration.ofSeconds(a.readSeconds())); // issue 13, item 5
            System.exit(0);
        }
        if (a.plannerTrials() > 0) {
            HaPlanner.run(a.plannerTrials()); // issue 11: pure computation, seconds
            System.exit(0);
        }
        ProcessBenchmarks.runIfAsked(a);
        if (a.tlsRounds() > 0) {
            // Shorter defaults: 2 x tlsRounds pools, each measured twice, must fit in about 6 minutes.
            runTls(
                    a.tlsRounds(),
                    a.window(),
                    a.seconds("jit", a.jit(), 40),
                    a.seconds("warmup", a.warmup(), 3),
                    a.seconds("measure", a.measure(), 8),
                    a.writes());
            System.exit(0);
        }
        if (!a.haTimeouts().isEmpty()) {
            runHa(a.haTimeouts(), a.scenarios(), a.trials());
            System.exit(0);
        }
        Path dir = Files.createTempDirectory("poolkeeper-bench");
        try {
            new Benchmark(
                            a.window(),
                            Duration.ofSeconds(a.jit()),
                            Duration.ofSeconds(a.warmup()),
                            Duration.ofSeconds(a.measure()),
                            a.trials(),
                            a.paths())
                    .run(dir);
        } finally {
            deleteTree(dir);
        }
        // Ratis and gRPC leave non-daemon threads behind after close.
        System.exit(0);
    }

    /** The TLS cost benchmark alone (issue 12): {@code rounds} insecure and {@code rounds} TLS pools. */
    private static void runTls(int rounds, int window, Duration jit, Duration warmup, Duration measure, int writes)
            throws IOException {
        long started = System.nanoTime();
        System.out.printf(
                "poolkeeper TLS cost benchmark: %d CPUs, %s, max heap %d MB, %d rounds, window %d, JIT warm-up %d s,"
                        + " warm-up %d s, measured %d s, %d sync writes, load1 %.2f%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20,
                rounds,
                window,
                jit.toSeconds(),
                warmup.toSeconds(),
                measure.toSeconds(),
                writes,
                LoadAverage.oneMinute());
        System.out.println("TLS providers: " + TlsCost.providers());
        Path dir = Files.createTempDirectory("poolkeeper-tlsbench");
        try {
            List<TlsCost.Run> runs = new TlsCost(dir, window, warmup, measure, writes).run(rounds, jit);
            TlsReport.print(System.out, runs, (System.nanoTime() - started) / 1e9);
        } finally {
            deleteTree(dir);
        }
    }

    /** The HA failover benchmark alone (issue 10): {@code trials} trials per scenario and HA timeout. */
    private static void runHa(List<Duration> timeouts, List<HaFailover.Scenario> scenarios, int trials)
            throws IOException {
        // The HA loop's verdicts (self-fence, declared dead, re-founding, restarts) with wall-clock times, to match
        // against each trial's "pulling ... at" line when a trial is slow or fails.
        System.setProperty("org.slf4j.simpleLogger.log.io.poolkeeper.ha", "info");
        System.setProperty("org.slf4j.simpleLogger.log.io.poolkeeper.member.HaBridge", "info");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        long started = System.nanoTime();
        System.out.printf(
                "poolkeeper HA failover benchmark: %d CPUs, %s, HA timeouts %s s, %d trials per scenario, load1 %.2f%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                timeouts.stream().map(Duration::toSeconds).toList(),
                trials,
                LoadAverage.oneMinute());
        Path dir = Files.createTempDirectory("poolkeeper-habench");
        try {
            List<HaFailover.Trial> results = HaFailover.runAll(timeouts, scenarios, trials, dir);
            HaReport.print(System.out, results, (System.nanoTime() - started) / 1e9);
        } finally {
            deleteTree(dir);
        }
    }

    private void run(Path dir) throws Exception {
        long started = System.nanoTime();
        System.out.printf(
                "poolkeeper benchmark: %d CPUs, %s, max heap %d MB, window %d, JIT warm-up %d s, warm-up %d s,"
                        + " measured %d s%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20,
                window,
                jitWarmup.toSeconds(),
                warmup.toSeconds(),
                measure.toSeconds());
        List<Throughput> rows = new ArrayList<>();
        List<Failover.Trial> failovers;
        int vms;
        try (BenchPool pool = BenchPool.start(dir.resolve("pool"), timeouts)) {
            RatisPoolMember master = pool.member(pool.masterIndex());
            List<VmId> seeded = seedVms(master.pool());
            if (!jitWarmup.isZero()) {
                // Most of Ratis, gRPC and the pool code is compiled during the first seconds of load; on 2 cores that
                // compilation otherwise lands in the first measured window.
                System.out.printf("warming up (JIT) for %d s...%n", jitWarmup.toSeconds());
                PipelinedLoad.run(
                        "warm-up", window, jitWarmup, Duration.ofMillis(1), transitions(master.pool(), seeded));
            }
            if (paths.contains("master")) {
                rows.add(poolRun("embedded Pool on the master", master, master.pool(), seeded));
            }
            if (paths.contains("slave")) {
                RatisPoolMember slave = pool.member(pool.slaveIndex());
                rows.add(poolRun("embedded Pool on a slave", master, slave.pool(), seeded));
            }
            try (PoolClient client = PoolClient.builder()
                    .insecure()
                    .members(masterFirst(pool.addresses(), master.serviceAddress()))
                    .build()) {
                if (paths.contains("remote")) {
                    rows.add(poolRun("remote PoolClient (gRPC)", master, client.pool(), seeded));
                }
                vms = master.applied().state().vms().size();
                System.out.printf("failover: %d trials...%n", trials);
                failovers = Failover.run(pool, client, seeded.get(0), seeded.get(1), trials);
            }
        }
        if (paths.contains("bare")) {
            try (BareRatis bare = BareRatis.start(dir.resolve("bare"), timeouts)) {
                System.out.println("running: bare Ratis counter, 1 command per entry...");
                rows.add(PipelinedLoad.run("bare Ratis, 1 command/entry", window, warmup, measure, bare::increment));
            }
        }
        Report.print(System.out, rows, failovers, timeouts, vms, (System.nanoTime() - started) / 1e9);
    }

    /** VMs for vm-param-set to work on, created through the pipeline (not measured). */
    static List<VmId> seedVms(Pool pool) {
        List<VmId> ids = new ArrayList<>();
        List<CompletableFuture<VmId>> created = new ArrayList<>();
        for (int i = 0; i < SEED_VMS; i++) {
            created.add(pool.createVm(VmSpec.of("seed-" + i, 1L << 30, 1)));
        }
        created.forEach(f -> ids.add(f.join()));
        return List.copyOf(ids);
    }

    private Throughput poolRun(String path, RatisPoolMember master, Pool pool, List<VmId> vms)
            throws InterruptedException {
        System.out.printf("running: %s...%n", path);
        long entriesBefore = master.applied().logIndex();
        long commandsBefore = master.applied().sequence();
        Throughput t = PipelinedLoad.run(path, window, warmup, measure, transitions(pool, vms));
        long entries = master.applied().logIndex() - entriesBefore;
        long commands = master.applied().sequence() - commandsBefore;
        return t.withCommandsPerEntry(entries == 0 ? 0 : (double) commands / entries);
    }

    /**
     * The workload, every operation a real pool transition that must be accepted: of every four, one vm-create, one
     * vm-destroy of a VM this workload created earlier (so the pool keeps about {@link #SEED_VMS} VMs, as a real pool
     * would, instead of growing with the run), and two vm-param-set name-label on random seeded VMs.
     */
    static Supplier<CompletableFuture<?>> transitions(Pool pool, List<VmId> vms) {
        Queue<VmId> created = new ConcurrentLinkedQueue<>();
        return () -> {
            long n = NAMES.incrementAndGet();
            if (n % 4 == 0) {
                VmSpec spec = VmSpec.of("bench-" + n, 1L << 30, 1);
                return pool.createVm(spec).thenAccept(created::add);
            }
            VmId doomed = n % 4 == 2 ? created.poll() : null;
            if (doomed != null) {
                return pool.destroyVm(doomed);
            }
            VmId vm = vms.get(ThreadLocalRandom.current().nextInt(vms.size()));
            return pool.setVmParam(vm, "name-label", "bench-" + n);
        };
    }

    static List<String> masterFirst(List<String> addresses, String master) {
        return Stream.concat(Stream.of(master), addresses.stream().filter(a -> !a.equals(master)))
                .toList();
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
