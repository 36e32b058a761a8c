package io.poolkeeper.examples.bench;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.Pool;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.codec.ImportChunks;
import io.poolkeeper.codec.SnapshotCodec;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.proto.PoolSnapshot;
import io.poolkeeper.ratis.SnapshotWriter;
import io.poolkeeper.testing.TestingPool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * The scale benchmark of issue 13 (item 5): for each VM count, a pool of real members in this JVM (the first
 * {@code Pool.DEFAULT_MAX_VOTERS} = 5 vote, the others are listeners) filled with that many VMs, then: the snapshot's
 * size on disk and the time to write one, {@code read(LOCAL)} throughput from one member's copy (async and blocking
 * forms, 1 and 2 threads), a new host joining once the log is purged (caught up through a snapshot install), and the
 * emergency transition's chunked import after every voter but one is killed.
 *
 * <p>A benchmark, not a test: it prints a table and asserts nothing.
 */
final class Scale {
    /** Snapshot every so many entries: the fill is purged from the log, so a joiner needs a snapshot install. */
    private static final long SNAPSHOT_EVERY = 512;

    /** One-at-a-time writes after the fill: past Raft's purge gap (1,024 entries, RaftSettings). */
    private static final int PURGE_WRITES = 1_300;

    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final String[] TIERS = {"web-frontend", "api-gateway", "postgres-replica", "batch-worker"};

    private Scale() {}

    /** One row of the table. */
    record Row(
            int vms,
            int members,
            double fillPerSecond,
            long snapshotFileBytes,
            double snapshotWriteMillis,
            double snapshotLoadMillis,
            double readAsync1,
            double readAsync2,
            double readBlocking1,
            double readBlocking2,
            double viewPerRead,
            double joinMillis,
            boolean joinedBySnapshot,
            double importMillis,
            int importChunks) {}

    static void run(List<Integer> vmCounts, int members, Duration readFor) throws Exception {
        System.out.printf(
                Locale.ROOT,
                "scale: %d real members in this JVM (5 voters, %d listeners), VM counts %s; load average %.2f%n",
                members,
                members - 5,
                vmCounts,
                LoadAverage.oneMinute());
        List<Row> rows = new ArrayList<>();
        for (int vms : vmCounts) {
            rows.add(measure(vms, members, readFor));
        }
        printTable(rows);
        System.out.printf(Locale.ROOT, "load average after: %.2f%n", LoadAverage.oneMinute());
    }

    /** Prints the rows as the Markdown table of docs/BENCHMARKS.md; a figure not measured (NaN) prints as "–". */
    static void printTable(List<Row> rows) {
        System.out.println();
        System.out.println("| VMs | members | fill (writes/s) | snapshot on disk | snapshot write | snapshot load"
                + " | read LOCAL async 1t / 2t | read LOCAL blocking 1t / 2t | view per read (before), 1t"
                + " | join caught up | import (chunks) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Row r : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "| %,d | %d | %,.0f | %.2f MB | %.0f ms | %.0f ms | %,.0f / %,.0f /s | %,.0f / %,.0f /s | %s"
                            + " | %.0f ms%s | %.0f ms (%d) |%n",
                    r.vms(),
                    r.members(),
                    r.fillPerSecond(),
                    r.snapshotFileBytes() / 1e6,
                    r.snapshotWriteMillis(),
                    r.snapshotLoadMillis(),
                    r.readAsync1(),
                    r.readAsync2(),
                    r.readBlocking1(),
                    r.readBlocking2(),
                    Double.isNaN(r.viewPerRead()) ? "–" : String.format(Locale.ROOT, "%,.0f /s", r.viewPerRead()),
                    r.joinMillis(),
                    r.joinedBySnapshot() ? " (snapshot)" : " (log)",
                    r.importMillis(),
                    r.importChunks());
        }
    }

    private static Row measure(int vms, int members, Duration readFor) throws Exception {
        Path dir = Files.createTempDirectory("poolkeeper-scale-");
        try (TestingPool pool = TestingPool.builder(dir)
                .hostMemory(1L << 44)
                .snapshotEvery(SNAPSHOT_EVERY)
                .await(WAIT)
                .start(members)) {
            int master = pool.awaitMaster();
            long t0 = System.nanoTime();
            List<VmId> created = fill(pool.member(master).pool(), vms);
            double fillPerSecond = vms / seconds(System.nanoTime() - t0);
            Poll.until("every member holds the VMs", WAIT, () -> pool.running()
                    .allMatch(i -> pool.member(i).applied().state().vms().size() >= vms));
            System.out.printf(Locale.ROOT, "%,d VMs: filled at %,.0f writes/s%n", vms, fillPerSecond);

            int reader = pool.others(master).get(0);
            RatisPoolMember local = pool.member(reader);
            double async1 = reads(
                    readFor, 1, () -> local.pool().read(ReadConsistency.LOCAL).join());
            double async2 = reads(
                    readFor, 2, () -> local.pool().read(ReadConsistency.LOCAL).join());
            BlockingPool blocking = local.pool().blocking();
            double blocking1 = reads(readFor, 1, () -> blocking.read(ReadConsistency.LOCAL));
            double blocking2 = reads(readFor, 2, () -> blocking.read(ReadConsistency.LOCAL));
            // What read(LOCAL) cost before it kept its view per applied state: a new view (copy of every map) per read.
            AppliedState copy = local.applied();
            double viewPerRead = reads(readFor, 1, () -> copy.state().toView(copy.sequence()));
            System.out.printf(
                    Locale.ROOT,
                    "%,d VMs: read(LOCAL) async %,.0f / %,.0f per s, blocking %,.0f / %,.0f per s (1 / 2 threads);"
                            + " a new view per read (before) %,.0f per s%n",
                    vms,
                    async1,
                    async2,
                    blocking1,
                    blocking2,
                    viewPerRead);

            // The fill is group-committed into few entries: one-at-a-time writes make the log long enough for a
            // snapshot and a purge (purge gap 1,024), so the joiner below needs the snapshot.
            BlockingPool writer = pool.member(master).pool().blocking();
            for (int i = 0; i < PURGE_WRITES; i++) {
                writer.setVmParam(created.get(i % created.size()), "name-label", "renamed-" + i);
            }
            Poll.until("a snapshot on the master", WAIT, () -> newestSnapshot(pool.storage(master)) != null);
            long snapshotBytes = Files.size(newestSnapshot(pool.storage(master)));
            double[] snapshotTimes = snapshotWriteAndLoad(pool.member(master).applied(), dir);

            long j0 = System.nanoTime();
            double joinMillis = Double.NaN;
            boolean bySnapshot = false;
            try {
                RatisPoolMember joined = pool.add();
                Poll.until(
                        "the new host caught up",
                        WAIT,
                        () -> joined.applied().state().vms().size() >= vms);
                joinMillis = (System.nanoTime() - j0) / 1e6;
                bySnapshot = newestSnapshot(pool.storage(pool.size() - 1)) != null;
            } catch (RuntimeException e) {
                // Reported, not fatal: the import is still measured.
                System.out.printf(Locale.ROOT, "%,d VMs: the new host did not join: %s%n", vms, e);
            }
            System.out.printf(
                    Locale.ROOT,
                    "%,d VMs: snapshot %,d bytes, write %.0f ms, load %.0f ms; join caught up in %.0f ms%s%n",
                    vms,
                    snapshotBytes,
                    snapshotTimes[0],
                    snapshotTimes[1],
                    joinMillis,
                    bySnapshot ? " (snapshot installed)" : " (through the log)");

            AppliedState before = pool.member(master).applied();
            int chunks =
                    ImportChunks.split(before.state(), ImportChunks.CHUNK_BYTES).size();
            double importMillis = emergencyImport(pool, vms);
            System.out.printf(
                    Locale.ROOT, "%,d VMs: emergency transition %.0f ms (%d chunks)%n", vms, importMillis, chunks);
            return new Row(
                    vms,
                    members,
                    fillPerSecond,
                    snapshotBytes,
                    snapshotTimes[0],
                    snapshotTimes[1],
                    async1,
                    async2,
                    blocking1,
                    blocking2,
                    viewPerRead,
                    joinMillis,
                    bySnapshot,
                    importMillis,
                    chunks);
        } finally {
            deleteQuietly(dir);
        }
    }

    /** Creates {@code count} VMs with operator-like name labels, a few hundred outstanding at a time. */
    static List<VmId> fill(Pool via, int count) {
        List<VmId> created = new ArrayList<>();
        List<CompletableFuture<VmId>> window = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = TIERS[i % TIERS.length] + "-" + String.format(Locale.ROOT, "%05d", i) + ".prod.eu-west";
            window.add(via.createVm(VmSpec.of(name, 2L << 30, 2)));
            if (window.size() == 512 || i == count - 1) {
                window.forEach(
                        f -> created.add(f.orTimeout(60, TimeUnit.SECONDS).join()));
                window.clear();
            }
        }
        return created;
    }

    /** Reads per second over {@code duration} from {@code threads} threads. */
    static double reads(Duration duration, int threads, Runnable read) throws InterruptedException {
        // Warm-up: the JIT compiles the read path first.
        long warm = System.nanoTime() + Duration.ofMillis(500).toNanos();
        while (System.nanoTime() < warm) {
            read.run();
        }
        LongAdder count = new LongAdder();
        long end = System.nanoTime() + duration.toNanos();
        List<Thread> workers = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                long n = 0;
                while ((n & 255) != 0 || System.nanoTime() < end) {
                    read.run();
                    n++;
                }
                count.add(n);
            });
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            w.join();
        }
        return count.sum() / seconds(System.nanoTime() - start);
    }

    /**
     * Writes the snapshot of {@code applied} as the state machine does (encode, write, fsync) and reads it back
     * (parse, decode) as loading or installing one does: milliseconds each, the median of three.
     */
    static double[] snapshotWriteAndLoad(AppliedState applied, Path dir) throws IOException {
        double[] write = new double[3];
        double[] load = new double[3];
        Path file = dir.resolve("bench.snapshot");
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            SnapshotWriter.writeDurably(SnapshotCodec.encode(applied.state(), applied.logIndex()), file);
            write[i] = (System.nanoTime() - t0) / 1e6;
            long t1 = System.nanoTime();
            try (InputStream in = Files.newInputStream(file)) {
                SnapshotCodec.decode(PoolSnapshot.parseFrom(in));
            }
            load[i] = (System.nanoTime() - t1) / 1e6;
        }
        java.util.Arrays.sort(write);
        java.util.Arrays.sort(load);
        return new double[] {write[1], load[1]};
    }

    /** Kills every voter but one, waits for its emergency mode, and times pool-emergency-transition-to-master. */
    private static double emergencyImport(TestingPool pool, int vms) {
        int master = pool.awaitMaster();
        var hosts = pool.member(master).applied().state().hosts();
        List<Integer> voters = pool.running()
                .filter(i -> hosts.get(pool.host(i)).role() == HostRole.VOTER)
                .boxed()
                .toList();
        int survivor = voters.stream().filter(i -> i != master).findFirst().orElseThrow();
        voters.stream().filter(i -> i != survivor).forEach(pool::kill);
        RatisPoolMember s = pool.member(survivor);
        Poll.until("the survivor in emergency mode", WAIT, s::isInEmergencyMode);
        long t0 = System.nanoTime();
        s.emergencyTransitionToMaster();
        double millis = (System.nanoTime() - t0) / 1e6;
        if (s.applied().state().vms().size() < vms) {
            throw new IllegalStateException(
                    "the import lost VMs: " + s.applied().state().vms().size());
        }
        return millis;
    }

    private static Path newestSnapshot(Path storage) {
        try (Stream<Path> files = Files.walk(storage)) {
            return files.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))
                    .max(Comparator.comparingLong(p -> p.toFile().lastModified()))
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left for the system to clean
        }
    }
}
