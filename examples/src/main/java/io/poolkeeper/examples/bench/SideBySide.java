package io.poolkeeper.examples.bench;

import static io.poolkeeper.examples.bench.SideReport.BARE;
import static io.poolkeeper.examples.bench.SideReport.EMBEDDED;
import static io.poolkeeper.examples.bench.SideReport.PIPELINED_MASTER;
import static io.poolkeeper.examples.bench.SideReport.PIPELINED_SLAVE;
import static io.poolkeeper.examples.bench.SideReport.POOLKEEPER;
import static io.poolkeeper.examples.bench.SideReport.SYNC_MASTER;
import static io.poolkeeper.examples.bench.SideReport.SYNC_SLAVE;
import static io.poolkeeper.examples.bench.SideReport.ZOOKEEPER;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.RatisPoolMember;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The side-by-side benchmark of issue 13, in one run: three {@code poolkeeper member} processes
 * ({@link MemberProcesses}) driven through the remote {@link PoolClient}, then a 3-server ZooKeeper ensemble
 * ({@link ZooKeeperEnsemble}) driven through the ZooKeeper client with the equivalent writes, then (optionally) the
 * embedded {@link Pool} of an in-JVM pool ({@link BenchPool}), then (optionally) bare Ratis ({@link BareRatis}). Each
 * system runs alone: the member processes are stopped before the ensemble starts. For each: pipelined writes through
 * a client attached to the master (leader) and one attached to a slave (follower) only, and synchronous writes one at
 * a time through each; CPU time of every process in each measured window. Prints a table with the ratios.
 */
final class SideBySide {
    /** The parts a run makes: {@code side=all} or a comma-separated subset. */
    static final Set<String> PARTS = Set.of("poolkeeper", "zookeeper", "embedded", "bare");

    /**
     * The run's parameters.
     *
     * @param root the repository (its {@code poolkeeper} launcher starts the members)
     * @param parts which of {@link #PARTS} to run
     * @param memberJvm the members' JVM options (POOLKEEPER_JAVA_OPTS)
     * @param memberArgs options added to every member's command line
     * @param window operations in flight
     * @param jit seconds of pipelined load through each measured path of each system before any measurement
     * @param warmup seconds of load before each measured pipelined window
     * @param measure seconds of each measured pipelined window
     * @param syncWarmup unmeasured synchronous writes before each sync run
     * @param writes measured synchronous writes per sync run
     */
    record Settings(
            Path root,
            Set<String> parts,
            String memberJvm,
            List<String> memberArgs,
            int window,
            Duration jit,
            Duration warmup,
            Duration measure,
            int syncWarmup,
            int writes) {}

    private final Settings settings;
    private final Path dir;
    private final ExecutorService timer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cpu-window");
        t.setDaemon(true);
        return t;
    });

    SideBySide(Settings settings, Path dir) {
        this.settings = settings;
        this.dir = dir;
    }

    void run() throws Exception {
        long started = System.nanoTime();
        System.out.printf(
                "poolkeeper side-by-side benchmark (issue 13): %d CPUs, %s, parts %s, member JVM options \"%s\","
                        + " member options %s, ZooKeeper JVM options: the JVM's defaults, window %d, JIT warm-up %d s,"
                        + " warm-up %d s, measured %d s, sync writes %d after %d, load1 %.2f%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                settings.parts(),
                settings.memberJvm(),
                settings.memberArgs(),
                settings.window(),
                settings.jit().toSeconds(),
                settings.warmup().toSeconds(),
                settings.measure().toSeconds(),
                settings.writes(),
                settings.syncWarmup(),
                LoadAverage.oneMinute());
        List<SideRow> rows = new ArrayList<>();
        if (settings.parts().contains("poolkeeper")) {
            poolkeeper(rows);
        }
        if (settings.parts().contains("zookeeper")) {
            zookeeper(rows);
        }
        if (settings.parts().contains("embedded")) {
            embedded(rows);
        }
        if (settings.parts().contains("bare")) {
            bare(rows);
        }
        SideReport.print(System.out, rows, (System.nanoTime() - started) / 1e9);
    }

    private void poolkeeper(List<SideRow> rows) throws Exception {
        System.out.println("starting 3 member processes...");
        try (MemberProcesses members =
                MemberProcesses.start(settings.root(), settings.memberJvm(), settings.memberArgs(), 3, dir)) {
            members.awaitSettled(Duration.ofMinutes(1));
            int master = members.awaitMaster(Duration.ofMinutes(1));
            int slave = (master + 1) % members.size();
            CpuMeter meter = new CpuMeter();
            char letter = 'A';
            for (int i = 0; i < members.size(); i++) {
                int index = i;
                String name = i == master ? "master" : "slave " + letter++;
                meter.add(name, () -> members.cpuNanos(index));
            }
            meter.addSelf();
            System.out.printf(
                    "members: %s, master %s (pid %d), slave used %s (pid %d)%n",
                    members.addresses(),
                    members.member(master).name(),
                    members.pid(master),
                    members.member(slave).name(),
                    members.pid(slave));
            try (PoolClient toMaster = client(members.member(master).address());
                    PoolClient toSlave = client(members.member(slave).address())) {
                List<VmId> seeded = Benchmark.seedVms(toMaster.pool());
                jitWarmup(POOLKEEPER, "via master", Benchmark.transitions(toMaster.pool(), seeded));
                jitWarmup(POOLKEEPER, "via slave", Benchmark.transitions(toSlave.pool(), seeded));
                rows.add(
                        pipelined(POOLKEEPER, PIPELINED_MASTER, meter, Benchmark.transitions(toMaster.pool(), seeded)));
                rows.add(pipelined(POOLKEEPER, PIPELINED_SLAVE, meter, Benchmark.transitions(toSlave.pool(), seeded)));
                VmId vm = seeded.get(0);
                rows.add(sync(POOLKEEPER, SYNC_MASTER, meter, () -> setLabel(toMaster.pool(), vm)));
                rows.add(sync(POOLKEEPER, SYNC_SLAVE, meter, () -> setLabel(toSlave.pool(), vm)));
            }
            if (members.master().orElse(-1) != master) {
                System.out.println("WARNING: the master changed during the run: " + members.master());
            }
        }
    }

    private void zookeeper(List<SideRow> rows) throws Exception {
        System.out.println("starting a 3-server ZooKeeper ensemble...");
        try (ZooKeeperEnsemble zk = ZooKeeperEnsemble.start(3, dir)) {
            int leader = zk.leader();
            int follower = zk.follower();
            CpuMeter meter = new CpuMeter();
            char letter = 'A';
            for (int i = 0; i < zk.size(); i++) {
                int index = i;
                String name = i == leader ? "leader" : "follower " + letter++;
                meter.add(name, () -> zk.cpuNanos(index));
            }
            meter.addSelf();
            System.out.printf(
                    "ZooKeeper servers: %s, leader %s, follower used %s%n",
                    List.of(zk.address(0), zk.address(1), zk.address(2)), zk.address(leader), zk.address(follower));
            try (ZooKeeperClient toLeader = ZooKeeperClient.connect(zk.address(leader));
                    ZooKeeperClient toFollower = ZooKeeperClient.connect(zk.address(follower))) {
                toLeader.seed();
                toFollower.use(toLeader.seededPaths());
                jitWarmup(ZOOKEEPER, "via leader", toLeader.operations());
                jitWarmup(ZOOKEEPER, "via follower", toFollower.operations());
                rows.add(pipelined(ZOOKEEPER, PIPELINED_MASTER, meter, toLeader.operations()));
                rows.add(pipelined(ZOOKEEPER, PIPELINED_SLAVE, meter, toFollower.operations()));
                rows.add(sync(ZOOKEEPER, SYNC_MASTER, meter, toLeader::setDataSync));
                rows.add(sync(ZOOKEEPER, SYNC_SLAVE, meter, toFollower::setDataSync));
            }
            if (zk.leader() != leader) {
                System.out.println("WARNING: the ZooKeeper leader changed during the run");
            }
        }
    }

    /** The in-JVM path of the issue-3 benchmark: three members in this JVM, the embedded Pool of the master. */
    private void embedded(List<SideRow> rows) throws Exception {
        System.out.println("starting an in-JVM pool (BenchPool)...");
        try (BenchPool pool = BenchPool.start(dir.resolve("embedded"), MemberTimeouts.defaults())) {
            RatisPoolMember master = pool.member(pool.masterIndex());
            CpuMeter meter = new CpuMeter().addSelf();
            List<VmId> seeded = Benchmark.seedVms(master.pool());
            jitWarmup(EMBEDDED, "on the master", Benchmark.transitions(master.pool(), seeded));
            rows.add(pipelined(EMBEDDED, PIPELINED_MASTER, meter, Benchmark.transitions(master.pool(), seeded)));
            VmId vm = seeded.get(0);
            rows.add(sync(EMBEDDED, SYNC_MASTER, meter, () -> setLabel(master.pool(), vm)));
        }
    }

    /**
     * The floor under a synchronous write: three bare Ratis servers in this JVM under the members' Raft settings, a
     * counter state machine, one entry per write through Ratis's own client; nothing of the pool's on the path.
     */
    private void bare(List<SideRow> rows) throws Exception {
        System.out.println("starting three bare Ratis servers in this JVM...");
        try (BareRatis bare = BareRatis.start(dir.resolve("bare"), MemberTimeouts.defaults())) {
            CpuMeter meter = new CpuMeter().addSelf();
            jitWarmup(BARE, "through the leader", bare::increment);
            rows.add(pipelined(BARE, PIPELINED_MASTER, meter, bare::increment));
            rows.add(sync(BARE, SYNC_MASTER, meter, () -> bare.increment().join()));
        }
    }

    private static PoolClient client(String address) {
        return PoolClient.builder().insecure().members(List.of(address)).build();
    }

    private static void setLabel(Pool pool, VmId vm) {
        pool.setVmParam(vm, "name-label", "sync-" + System.nanoTime()).join();
    }

    /**
     * Unmeasured pipelined load for the JIT, through each path that is measured: a slave's (follower's) path runs
     * code the master's does not (forwarding), which would otherwise be compiled while it is measured.
     */
    private void jitWarmup(String side, String path, Supplier<CompletableFuture<?>> operations)
            throws InterruptedException {
        if (settings.jit().isZero()) {
            return;
        }
        System.out.printf(
                "%s: warming up (JIT) %s for %d s...%n",
                side, path, settings.jit().toSeconds());
        Throughput t =
                PipelinedLoad.run(side + " warm-up", settings.window(), Duration.ZERO, settings.jit(), operations);
        System.out.printf("  warm-up: %.0f ops/s%n", t.opsPerSecond());
    }

    /**
     * A pipelined run; the CPU of every process is read when PipelinedLoad's measured window starts and ends (a
     * timer thread, to within a millisecond or so of the window).
     */
    private SideRow pipelined(String side, String path, CpuMeter meter, Supplier<CompletableFuture<?>> operations)
            throws InterruptedException {
        System.out.printf("running: %s, %s...%n", side, path);
        long from = System.nanoTime() + settings.warmup().toNanos();
        long until = from + settings.measure().toNanos();
        CompletableFuture<Map<String, Double>> cpu = CompletableFuture.supplyAsync(
                () -> {
                    parkUntil(from);
                    meter.start();
                    parkUntil(until);
                    return meter.stop();
                },
                timer);
        Throughput t = PipelinedLoad.run(
                side + " " + path, settings.window(), settings.warmup(), settings.measure(), operations);
        SideRow row = SideRow.pipelined(side, path, t, cpu.join());
        System.out.printf(
                "  %.0f ops/s, p50 %.1f ms, p99 %.1f ms%n", row.opsPerSecond(), row.p50Millis(), row.p99Millis());
        return row;
    }

    private SideRow sync(String side, String path, CpuMeter meter, Runnable write) {
        System.out.printf("running: %s, %s (%d writes)...%n", side, path, settings.writes());
        for (int i = 0; i < settings.syncWarmup(); i++) {
            write.run();
        }
        meter.start();
        ThreadCpu threads = ThreadCpu.now();
        SyncLatency latency = SyncLatency.run(0, settings.writes(), write);
        ThreadCpu after = ThreadCpu.now();
        SideRow row = SideRow.sync(side, path, latency, meter.stop());
        System.out.printf(
                "  p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", row.p50Millis(), row.p99Millis(), row.maxMillis());
        // This JVM's share by kind of thread: the client's side of a write (or, in-JVM, all of it).
        System.out.printf(
                "  this JVM by thread (%% of its CPU): %s%n",
                after.sharesSince(threads).entrySet().stream()
                        .limit(8)
                        .map(e -> String.format(Locale.ROOT, "%s %.0f", e.getKey(), e.getValue()))
                        .collect(Collectors.joining(", ")));
        return row;
    }

    private static void parkUntil(long nanoTime) {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
