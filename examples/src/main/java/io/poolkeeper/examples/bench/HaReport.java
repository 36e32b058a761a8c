package io.poolkeeper.examples.bench;

import io.poolkeeper.core.ha.FenceDeadlines;
import io.poolkeeper.ha.HaSettings;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Prints the HA failover benchmark's tables: every trial, then a summary per HA timeout and scenario. */
final class HaReport {
    private HaReport() {}

    static void print(PrintStream out, List<HaFailover.Trial> trials, double seconds) {
        List<Duration> timeouts =
                trials.stream().map(HaFailover.Trial::haTimeout).distinct().toList();
        out.println();
        out.printf(
                "== HA failover: cable pulled -> %d protected VMs running on a survivor (HaSettings.defaults(),"
                        + " MemberTimeouts.defaults(), poll every %d ms) ==%n",
                HaFailover.VMS, HaFailover.POLL_MILLIS);
        for (Duration t : timeouts) {
            HaSettings settings = HaSettings.defaults();
            FenceDeadlines d = settings.deadlines(t);
            out.printf(
                    "T = %d s: heartbeat %.1f s, D = W = %.1f s, survivors may declare a host dead D + 1.1 W + 2"
                            + " heartbeats = %.2f s after last hearing it; target T + 10 s = %d s%n",
                    t.toSeconds(),
                    settings.heartbeatInterval(t).toMillis() / 1e3,
                    d.detection().toMillis() / 1e3,
                    d.declareAfter() / 1e9,
                    t.toSeconds() + 10);
        }
        out.println();
        out.printf(
                "%-5s %-30s %5s %-9s %-6s %7s %7s %7s %7s %7s %6s%n",
                "T", "scenario", "trial", "victim", "role", "fenced", "master", "dead", "1st VM", "all VMs", "load1");
        Map<String, Integer> numbers = new HashMap<>();
        for (HaFailover.Trial r : trials) {
            int number = numbers.merge(r.scenario() + "/" + r.haTimeout(), 1, Integer::sum);
            out.printf(
                    "%-5s %-30s %5d %-9s %-6s %7s %7s %7s %7s %7s %6.2f%n",
                    r.haTimeout().toSeconds() + " s",
                    r.scenario().label,
                    number,
                    r.victim(),
                    r.victimWasMaster() ? "master" : "slave",
                    secs(r.fencedMillis()),
                    secs(r.masterMillis()),
                    secs(r.deadMillis()),
                    secs(r.firstVmMillis()),
                    secs(r.allVmsMillis()),
                    r.loadAverage());
            if (!r.failure().isEmpty()) {
                out.printf("      FAILED: %s%n", r.failure());
            }
        }
        out.println();
        out.println("summary: cable pulled -> all protected VMs running on a survivor (s), successful trials only");
        out.printf(
                "%-5s %-30s %3s %6s %7s %7s %7s %7s %7s  %-8s | medians: %7s %7s %7s%n",
                "T",
                "scenario",
                "n",
                "failed",
                "min",
                "median",
                "p90",
                "max",
                "mean",
                "<= T+10",
                "fenced",
                "master",
                "dead");
        for (Duration t : timeouts) {
            for (HaFailover.Scenario s : HaFailover.Scenario.values()) {
                List<HaFailover.Trial> rows = trials.stream()
                        .filter(r -> r.haTimeout().equals(t) && r.scenario() == s)
                        .toList();
                if (!rows.isEmpty()) {
                    summary(out, t, s.label, rows);
                }
                if (s == HaFailover.Scenario.MASTER) {
                    List<HaFailover.Trial> three = trials.stream()
                            .filter(r -> r.haTimeout().equals(t) && r.scenario().hosts == 3)
                            .toList();
                    if (three.stream()
                                    .map(HaFailover.Trial::scenario)
                                    .distinct()
                                    .count()
                            > 1) {
                        summary(out, t, "3 hosts, either cable", three);
                    }
                }
            }
        }
        out.println("(s after the cable was pulled. fenced: the victim's member is FENCED; master: a survivor is");
        out.println(
                " master in a newer generation (2 hosts) or a survivor became master (the master's cable); dead: the");
        out.println(" survivors' master has the victim not live; 1st VM / all VMs: the first / every protected VM is");
        out.println(" Running on a survivor in the survivors' master's state and in that survivor's hypervisor. Each");
        out.println(" time is late by at most one poll interval plus one poll. p90: nearest rank, the 9th of 10.)");
        out.printf("(total run %.0f s)%n", seconds);
    }

    private static void summary(PrintStream out, Duration t, String label, List<HaFailover.Trial> rows) {
        double[] total = values(rows, HaFailover.Trial::allVmsMillis);
        long failed = rows.stream().filter(r -> !r.failure().isEmpty()).count();
        long met = Arrays.stream(total)
                .filter(ms -> ms <= t.plusSeconds(10).toMillis())
                .count();
        out.printf(
                "%-5s %-30s %3d %6d %7s %7s %7s %7s %7s  %-8s | medians: %7s %7s %7s%n",
                t.toSeconds() + " s",
                label,
                rows.size(),
                failed,
                secs(quantile(total, 0)),
                secs(median(total)),
                secs(quantile(total, 0.9)),
                secs(quantile(total, 1)),
                secs(Arrays.stream(total).average().orElse(Double.NaN)),
                met + "/" + rows.size(),
                secs(median(values(rows, HaFailover.Trial::fencedMillis))),
                secs(median(values(rows, HaFailover.Trial::masterMillis))),
                secs(median(values(rows, HaFailover.Trial::deadMillis))));
    }

    /** The values that are numbers, sorted. */
    private static double[] values(List<HaFailover.Trial> rows, ToDoubleFunction<HaFailover.Trial> f) {
        return rows.stream()
                .mapToDouble(f)
                .filter(v -> !Double.isNaN(v))
                .sorted()
                .toArray();
    }

    /** The mean of the middle two for an even count. */
    private static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return (sorted[(sorted.length - 1) / 2] + sorted[sorted.length / 2]) / 2;
    }

    /** Nearest rank: the smallest value with at least a fraction q of the values at or below it (q = 0: the min). */
    private static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    private static String secs(double millis) {
        return Double.isNaN(millis) ? "-" : String.format("%.2f", millis / 1e3);
    }
}
