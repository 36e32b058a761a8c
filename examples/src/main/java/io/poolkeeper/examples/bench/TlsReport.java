package io.poolkeeper.examples.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Prints the TLS cost benchmark's runs and the table of medians, insecure next to TLS. */
final class TlsReport {
    private TlsReport() {}

    private record Metric(String name, ToDoubleFunction<TlsCost.Run> value) {}

    private static final List<Metric> METRICS = List.of(
            new Metric("remote PoolClient, pipelined: ops/s", r -> r.remote().opsPerSecond()),
            new Metric(
                    "remote PoolClient, pipelined: cpu us/op", r -> r.remote().cpuMicrosPerOp()),
            new Metric("embedded on the master, pipelined: ops/s", r -> r.embedded()
                    .opsPerSecond()),
            new Metric("embedded on the master, pipelined: cpu us/op", r -> r.embedded()
                    .cpuMicrosPerOp()),
            new Metric("remote sync write: p50 ms", r -> r.sync().p50Millis()),
            new Metric("remote sync write: p99 ms", r -> r.sync().p99Millis()),
            new Metric("remote sync write: p99.9 ms", r -> r.sync().p999Millis()),
            new Metric("remote sync write: writes/s", r -> r.sync().writesPerSecond()));

    static void print(PrintStream out, List<TlsCost.Run> runs, double seconds) {
        out.println();
        out.println("== each pool, in run order ==");
        out.printf(
                "%-9s %10s %9s %10s %9s %8s %8s %8s %6s %7s%n",
                "pool", "remote/s", "us/op", "embed/s", "us/op", "sync p50", "p99", "p99.9", "failed", "load1");
        for (TlsCost.Run r : runs) {
            out.printf(
                    "%-9s %,10.0f %9.0f %,10.0f %9.0f %8.2f %8.2f %8.2f %6d %7.2f%n",
                    r.tls() ? "TLS" : "insecure",
                    r.remote().opsPerSecond(),
                    r.remote().cpuMicrosPerOp(),
                    r.embedded().opsPerSecond(),
                    r.embedded().cpuMicrosPerOp(),
                    r.sync().p50Millis(),
                    r.sync().p99Millis(),
                    r.sync().p999Millis(),
                    r.remote().failed() + r.embedded().failed(),
                    r.embedded().loadAverage());
        }
        out.println();
        out.println("== where the CPU went, remote pipelined runs (% of the process; top kinds of thread) ==");
        for (TlsCost.Run r : runs) {
            StringBuilder line = new StringBuilder(String.format(
                    "%-9s GC %,d ms, JIT %,d ms;",
                    r.tls() ? "TLS" : "insecure",
                    r.remote().gcMillis(),
                    r.remote().jitMillis()));
            r.remote().cpuShares().entrySet().stream()
                    .limit(6)
                    .forEach(e -> line.append(String.format(" %s %.0f%%;", e.getKey(), e.getValue())));
            out.println(line);
        }
        out.println();
        out.printf("== TLS cost: median of %d pools of each kind ==%n", runs.size() / 2);
        out.printf("%-46s %12s %12s %10s%n", "metric", "insecure", "TLS", "TLS/insec");
        for (Metric m : METRICS) {
            double insecure = median(runs, false, m.value());
            double tls = median(runs, true, m.value());
            out.printf("%-46s %,12.2f %,12.2f %10.3f%n", m.name(), insecure, tls, tls / insecure);
        }
        out.printf(
                "(%,d synchronous writes per pool; whole mode %.0f s)%n",
                runs.get(0).sync().writes(), seconds);
    }

    private static double median(List<TlsCost.Run> runs, boolean tls, ToDoubleFunction<TlsCost.Run> value) {
        double[] values = runs.stream()
                .filter(r -> r.tls() == tls)
                .mapToDouble(value)
                .sorted()
                .toArray();
        if (values.length == 0) {
            return Double.NaN;
        }
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
