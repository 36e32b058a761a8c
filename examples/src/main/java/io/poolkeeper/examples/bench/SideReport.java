package io.poolkeeper.examples.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** Prints the side-by-side table of issue 13 and the poolkeeper / ZooKeeper ratios. */
final class SideReport {
    static final String POOLKEEPER = "poolkeeper";
    static final String ZOOKEEPER = "ZooKeeper";
    static final String EMBEDDED = "embedded Pool";
    static final String BARE = "bare Ratis";
    static final String PIPELINED_MASTER = "pipelined via master";
    static final String PIPELINED_SLAVE = "pipelined via slave";
    static final String SYNC_MASTER = "sync via master";
    static final String SYNC_SLAVE = "sync via slave";

    private SideReport() {}

    static void print(PrintStream out, List<SideRow> rows, double seconds) {
        out.println();
        out.printf(
                "%-14s %-26s %9s %8s %8s %8s %8s %9s %6s  %s%n",
                "side",
                "path (ZK: leader/follower)",
                "ops/s",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "max ms",
                "CPU us/op",
                "load1",
                "CPU us/op by process");
        for (SideRow r : rows) {
            out.printf(
                    Locale.ROOT,
                    "%-14s %-26s %9.0f %8.2f %8s %8.2f %8s %9.0f %6.2f  %s%n",
                    r.side(),
                    r.path(),
                    r.opsPerSecond(),
                    r.p50Millis(),
                    optional(r.p90Millis()),
                    r.p99Millis(),
                    optional(r.maxMillis()),
                    r.cpuMicrosPerOp(),
                    r.loadAverage(),
                    r.cpuMillis().keySet().stream()
                            .map(p -> String.format(Locale.ROOT, "%s %.0f", p, r.cpuMicrosPerOp(p)))
                            .collect(Collectors.joining(", ")));
            if (r.failed() > 0) {
                out.printf("    %d operations failed, first: %s%n", r.failed(), r.firstFailure());
            }
        }
        out.println();
        out.println("poolkeeper / ZooKeeper (throughput: above 1 is faster; latency: below 1 is faster):");
        ratio(out, rows, PIPELINED_MASTER, "pipelined ops/s, master / leader", true);
        ratio(out, rows, PIPELINED_SLAVE, "pipelined ops/s, slave / follower", true);
        ratio(out, rows, SYNC_MASTER, "sync p50, master / leader", false);
        ratio(out, rows, SYNC_SLAVE, "sync p50, slave / follower", false);
        out.printf(Locale.ROOT, "run took %.0f s, load1 at the end %.2f%n", seconds, LoadAverage.oneMinute());
    }

    private static void ratio(PrintStream out, List<SideRow> rows, String path, String what, boolean throughput) {
        Optional<SideRow> pk = find(rows, POOLKEEPER, path);
        Optional<SideRow> zk = find(rows, ZOOKEEPER, path);
        if (pk.isEmpty() || zk.isEmpty()) {
            return;
        }
        double ratio = throughput
                ? pk.get().opsPerSecond() / zk.get().opsPerSecond()
                : pk.get().p50Millis() / zk.get().p50Millis();
        out.printf(Locale.ROOT, "  %-36s %6.2f%n", what, ratio);
    }

    private static Optional<SideRow> find(List<SideRow> rows, String side, String path) {
        return rows.stream()
                .filter(r -> r.side().equals(side) && r.path().equals(path))
                .findFirst();
    }

    private static String optional(double millis) {
        return Double.isNaN(millis) ? "-" : String.format(Locale.ROOT, "%.2f", millis);
    }
}
