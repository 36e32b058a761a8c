package io.poolkeeper.examples.bench;

import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.codec.ImportChunks;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.testing.Ports;
import io.poolkeeper.testing.SimulatedHypervisor;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * The scale benchmark of issue 13 (item 5) on member processes: for each VM count, {@code processes} {@code poolkeeper
 * member} processes started the way a user starts them ({@link MemberProcesses}: the first five hosts vote, the others
 * are listeners), filled through the remote {@link PoolClient}; then one more host joins as a member embedded in this
 * JVM and is timed until its copy holds every VM. Its copy gives {@code read(LOCAL)} throughput and the snapshot's
 * size and write and load times (the processes' snapshots are not reachable from here). Last, every voter but one is
 * killed and {@code pool-emergency-transition-to-master} on the survivor is timed through the client.
 *
 * <p>This is the one-JVM {@link Scale} benchmark for pools it cannot hold: 64 Raft servers in one JVM do not fit two
 * cores, 64 small processes may. A benchmark, not a test: it prints the same table and asserts nothing.
 */
final class ScaleProcesses {
    /**
     * The members' JVM options unless {@code memberJvm=} is given: the launcher's default pre-touches 1 GiB each, which
     * 64 members cannot have. A 10,000-VM pool's state is a few MB; the serial collector and C1 keep each process's
     * threads and footprint small.
     */
    static final String MEMBER_JVM = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms32m -Xmx256m";

    private static final Duration WAIT = Duration.ofMinutes(10);
    /** How long the members' idle CPU is measured once they all serve. */
    private static final Duration IDLE = Duration.ofSeconds(10);

    private ScaleProcesses() {}

    static void run(
            Path root,
            String jvm,
            List<String> memberArgs,
            List<Integer> vmCounts,
            int processes,
            Duration readFor,
            Path parent)
            throws Exception {
        System.out.printf(
                Locale.ROOT,
                "scale: %d member processes (JVM options %s) and one member in this JVM, VM counts %s;"
                        + " load average %.2f%n",
                processes,
                jvm,
                vmCounts,
                LoadAverage.oneMinute());
        List<Scale.Row> rows = new ArrayList<>();
        for (int vms : vmCounts) {
            rows.add(measure(root, jvm, memberArgs, vms, processes, readFor, parent));
        }
        Scale.printTable(rows);
        System.out.printf(Locale.ROOT, "load average after: %.2f%n", LoadAverage.oneMinute());
    }

    private static Scale.Row measure(
            Path root, String jvm, List<String> memberArgs, int vms, int processes, Duration readFor, Path parent)
            throws Exception {
        long s0 = System.nanoTime();
        try (MemberProcesses members = MemberProcesses.start(root, jvm, memberArgs, processes, parent);
                PoolClient client = members.client(Duration.ofSeconds(60))) {
            try {
                return measure(members, client, vms, processes, readFor, parent, s0);
            } catch (Exception | Error e) {
                keepLogs(members, vms);
                throw e;
            }
        }
    }

    private static Scale.Row measure(
            MemberProcesses members, PoolClient client, int vms, int processes, Duration readFor, Path parent, long s0)
            throws Exception {
        System.out.printf(
                Locale.ROOT,
                "%,d VMs: %d member processes serving after %.1f s; idle, %s%n",
                vms,
                processes,
                (System.nanoTime() - s0) / 1e9,
                idleCpu(members));

        long f0 = System.nanoTime();
        Scale.fill(client.pool(), vms);
        double fillPerSecond = vms / ((System.nanoTime() - f0) / 1e9);
        System.out.printf(Locale.ROOT, "%,d VMs: filled through the client at %,.0f writes/s%n", vms, fillPerSecond);

        Path joinerDir = Files.createTempDirectory(parent, "joiner");
        HostId joinerHost = HostId.random();
        String token = client.pool().createJoinToken(Duration.ofHours(1)).join().token();
        long memory = 1L << 40;
        PoolMember joiner = PoolMember.builder()
                .hostUuid(joinerHost)
                .nameLabel("joiner")
                .listenAddress("127.0.0.1:" + Ports.freePair())
                .storageDirectory(joinerDir)
                .joinPool(members.member(members.awaitMaster(WAIT)).address())
                .joinToken(token)
                .memoryTotal(memory)
                .hostAgent(new SimulatedHypervisor(joinerHost, memory))
                .insecure()
                .build();
        try {
            long j0 = System.nanoTime();
            joiner.start();
            Poll.until(
                    "the new host caught up",
                    WAIT,
                    () -> joiner.pool().read(ReadConsistency.LOCAL).join().vms().size() >= vms);
            double joinMillis = (System.nanoTime() - j0) / 1e6;
            boolean bySnapshot = hasSnapshot(joinerDir);
            System.out.printf(
                    Locale.ROOT,
                    "%,d VMs: the new host caught up in %.0f ms%s%n",
                    vms,
                    joinMillis,
                    bySnapshot ? " (snapshot installed)" : " (through the log)");

            double async1 = Scale.reads(
                    readFor, 1, () -> joiner.pool().read(ReadConsistency.LOCAL).join());
            double async2 = Scale.reads(
                    readFor, 2, () -> joiner.pool().read(ReadConsistency.LOCAL).join());
            var blocking = joiner.pool().blocking();
            double blocking1 = Scale.reads(readFor, 1, () -> blocking.read(ReadConsistency.LOCAL));
            double blocking2 = Scale.reads(readFor, 2, () -> blocking.read(ReadConsistency.LOCAL));

            // The implementation's view of its copy: the state a snapshot encodes.
            AppliedState applied = ((RatisPoolMember) joiner).applied();
            double[] snapshotTimes = Scale.snapshotWriteAndLoad(applied, joinerDir);
            long snapshotBytes = Files.size(joinerDir.resolve("bench.snapshot"));
            int chunks = ImportChunks.split(applied.state(), ImportChunks.CHUNK_BYTES)
                    .size();
            System.out.printf(
                    Locale.ROOT,
                    "%,d VMs: read(LOCAL) async %,.0f / %,.0f per s, blocking %,.0f / %,.0f per s; snapshot %,d"
                            + " bytes, write %.0f ms, load %.0f ms%n",
                    vms,
                    async1,
                    async2,
                    blocking1,
                    blocking2,
                    snapshotBytes,
                    snapshotTimes[0],
                    snapshotTimes[1]);

            double importMillis = emergencyImport(members, client, vms);
            System.out.printf(
                    Locale.ROOT, "%,d VMs: emergency transition %.0f ms (%d chunks)%n", vms, importMillis, chunks);
            return new Scale.Row(
                    vms,
                    processes + 1,
                    fillPerSecond,
                    snapshotBytes,
                    snapshotTimes[0],
                    snapshotTimes[1],
                    async1,
                    async2,
                    blocking1,
                    blocking2,
                    Double.NaN,
                    joinMillis,
                    bySnapshot,
                    importMillis,
                    chunks);
        } finally {
            joiner.close();
            Benchmark.deleteTree(joinerDir);
        }
    }

    /** Copies the members' logs out of their directories (removed on close), for a run that failed. */
    private static void keepLogs(MemberProcesses members, int vms) {
        Path into = Path.of(System.getProperty("java.io.tmpdir"), "poolkeeper-scale-failed-" + vms);
        try {
            Benchmark.deleteTree(into);
            Files.createDirectories(into);
            for (Path log : members.logs()) {
                if (Files.exists(log)) {
                    Files.copy(log, into.resolve(log.getParent().getFileName() + ".log"));
                }
            }
            System.out.printf(Locale.ROOT, "%,d VMs: failed; the members' logs are in %s%n", vms, into);
        } catch (IOException e) {
            System.out.printf(Locale.ROOT, "%,d VMs: failed; the members' logs could not be kept: %s%n", vms, e);
        }
    }

    /** The members' CPU while nothing is written, over {@link #IDLE}, and the load average after. */
    private static String idleCpu(MemberProcesses members) throws InterruptedException {
        long[] before =
                IntStream.range(0, members.size()).mapToLong(members::cpuNanos).toArray();
        long t0 = System.nanoTime();
        Thread.sleep(IDLE.toMillis()); // a fixed measurement window, not a wait for a condition
        double seconds = (System.nanoTime() - t0) / 1e9;
        long[] used = IntStream.range(0, members.size())
                .mapToLong(i -> members.cpuNanos(i) - before[i])
                .sorted()
                .toArray();
        double total = IntStream.range(0, used.length).mapToDouble(i -> used[i]).sum() / 1e9 / seconds;
        return String.format(
                Locale.ROOT,
                "all members %.2f cores, one member %.0f ms/s median and %.0f max; load average %.2f",
                total,
                used[used.length / 2] / 1e6 / seconds,
                used[used.length - 1] / 1e6 / seconds,
                LoadAverage.oneMinute());
    }

    /**
     * Kills every voter process but one (the master among them), waits for the survivor's emergency mode, and times
     * {@code pool-emergency-transition-to-master} on it through the client (milliseconds).
     */
    private static double emergencyImport(MemberProcesses members, PoolClient client, int vms) throws Exception {
        int master = members.awaitMaster(WAIT);
        PoolView view = client.pool().read(ReadConsistency.LINEARIZABLE).join();
        List<Integer> voters = IntStream.range(0, members.size())
                .filter(i -> view.host(HostId.of(members.member(i).hostUuid()))
                        .map(h -> h.role() == HostRole.VOTER)
                        .orElse(false))
                .boxed()
                .toList();
        int survivor = voters.stream().filter(i -> i != master).findFirst().orElseThrow();
        voters.stream().filter(i -> i != survivor).forEach(members::kill);
        String address = members.member(survivor).address();
        Poll.until("the survivor in emergency mode", WAIT, () -> {
            try {
                return client.isInEmergencyMode(address);
            } catch (RuntimeException notYet) {
                return false;
            }
        });
        long t0 = System.nanoTime();
        client.emergencyTransitionToMaster(address);
        double millis = (System.nanoTime() - t0) / 1e6;
        try (PoolClient survivorClient = PoolClient.builder()
                .insecure()
                .members(List.of(address))
                .requestTimeout(Duration.ofSeconds(60))
                .build()) {
            int held = survivorClient
                    .pool()
                    .read(ReadConsistency.LINEARIZABLE)
                    .join()
                    .vms()
                    .size();
            if (held < vms) {
                throw new IllegalStateException("the import lost VMs: " + held + " of " + vms);
            }
        }
        return millis;
    }

    /**
     * Whether the member storing under {@code storage} holds a snapshot file. It runs meanwhile: a file Raft renames
     * during the walk (its metadata's temporary file) is passed over, not an error.
     */
    private static boolean hasSnapshot(Path storage) throws IOException {
        boolean[] found = {false};
        Files.walkFileTree(storage, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                found[0] |= file.getFileName().toString().matches("snapshot\\.\\d+_\\d+");
                return found[0] ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return found[0];
    }
}
