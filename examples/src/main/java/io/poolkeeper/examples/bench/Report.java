package io.poolkeeper.examples.bench;

import io.poolkeeper.api.MemberTimeouts;
import java.io.PrintStream;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Prints the benchmark's results table. */
final class Report {
    private Report() {}

    static void print(
            PrintStream out,
            List<Throughput> rows,
            List<Failover.Trial> trials,
            MemberTimeouts timeouts,
            int vms,
            double seconds) {
        out.println();
        out.println("== committed transitions per second (3 members, loopback, pipelined client) ==");
        out.printf(
                "%-30s %10s %9s %9s %8s %10s %10s %7s%n",
                "path", "ops/s", "p50 ms", "p99 ms", "failed", "cpu us/op", "cmds/index", "load1");
        for (Throughput t : rows) {
            out.printf(
                    "%-30s %,10.0f %9.1f %9.1f %8d %10.0f %10.1f %7.2f%n",
                    t.path(),
                    t.opsPerSecond(),
                    t.p50Millis(),
                    t.p99Millis(),
                    t.failed(),
                    t.cpuMicrosPerOp(),
                    t.commandsPerEntry(),
                    t.loadAverage());
            if (!t.firstFailure().isEmpty()) {
                out.printf("    first failure: %s%n", t.firstFailure());
            }
        }
        out.printf(
                "(pool workload: vm-create, vm-destroy, 2 x vm-param-set name-label; %,d VMs in the pool after it;%n"
                        + " cpu us/op: CPU time of the whole process per acknowledged op; cmds/index: pool commands per"
                        + " Raft log index)%n",
                vms);
        out.println();
        out.println("== where the CPU went in each measured window (% of the process; top kinds of thread) ==");
        for (Throughput t : rows) {
            StringBuilder line = new StringBuilder(
                    String.format("%-30s GC %,d ms, JIT %,d ms;", t.path(), t.gcMillis(), t.jitMillis()));
            t.cpuShares().entrySet().stream()
                    .limit(6)
                    .forEach(e -> line.append(String.format(" %s %.0f%%;", e.getKey(), e.getValue())));
            out.println(line);
        }
        out.println();
        out.printf(
                "== master killed -> first acknowledged write (%d trials, election timeout %d-%d ms, probe every %d ms) ==%n",
                trials.size(),
                timeouts.electionTimeoutMin().toMillis(),
                timeouts.electionTimeoutMax().toMillis(),
                WriteProbe.PERIOD_MILLIS);
        out.printf(
                "%-6s %-9s %8s %17s %17s %9s %7s %6s%n",
                "", "", "new", "remote client", "embedded (slave)", "old", "", "");
        out.printf(
                "%-6s %-9s %8s %8s %8s %8s %8s %9s %7s %6s%n",
                "trial", "killed", "master", "write", "outage", "write", "outage", "last ack", "kill", "load1");
        for (int i = 0; i < trials.size(); i++) {
            Failover.Trial t = trials.get(i);
            out.printf(
                    "%-6d %-9s %8.0f %8.0f %8.0f %8.0f %8.0f %9.0f %7.0f %6.2f%n",
                    i + 1,
                    t.killed(),
                    t.electedMillis(),
                    t.remoteResumeMillis(),
                    t.remoteOutageMillis(),
                    t.embeddedResumeMillis(),
                    t.embeddedOutageMillis(),
                    t.lastOldAckMillis(),
                    t.killMillis(),
                    t.loadAverage());
        }
        summary(out, "median", trials, 0.5);
        summary(out, "max", trials, 1.0);
        out.println(
                "(ms. From the kill: \"new master\" a survivor acts as master, \"write\" the first write acknowledged");
        out.println(
                " after the outage, \"old last ack\" the last one before it (remote client), \"kill\" how long stopping");
        out.println(
                " the member took. \"outage\": last acknowledged write before -> first after; equals \"write\" for a crash.)");
        out.printf("(total run %.0f s)%n", seconds);
    }

    private static void summary(PrintStream out, String label, List<Failover.Trial> trials, double q) {
        out.printf(
                "%-16s %8.0f %8.0f %8.0f %8.0f %8.0f %9.0f %7.0f%n",
                label,
                quantile(trials, Failover.Trial::electedMillis, q),
                quantile(trials, Failover.Trial::remoteResumeMillis, q),
                quantile(trials, Failover.Trial::remoteOutageMillis, q),
                quantile(trials, Failover.Trial::embeddedResumeMillis, q),
                quantile(trials, Failover.Trial::embeddedOutageMillis, q),
                quantile(trials, Failover.Trial::lastOldAckMillis, q),
                quantile(trials, Failover.Trial::killMillis, q));
    }

    /** The median as the mean of the middle two for an even count; q = 1 is the max. */
    private static double quantile(List<Failover.Trial> trials, ToDoubleFunction<Failover.Trial> f, double q) {
        double[] v = trials.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        if (q >= 1.0) {
            return v[v.length - 1];
        }
        double pos = q * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return (v[lo] + v[hi]) / 2;
    }
}
