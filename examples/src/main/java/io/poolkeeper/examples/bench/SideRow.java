package io.poolkeeper.examples.bench;

import java.util.Map;

/**
 * One row of the side-by-side table (issue 13): one system driven one way.
 *
 * @param side "poolkeeper", "ZooKeeper" or "embedded Pool"
 * @param path how it was driven, e.g. "pipelined via master"
 * @param opsPerSecond operations acknowledged per second (sync: writes per second, one at a time)
 * @param acknowledged operations acknowledged in the measured window (sync: writes measured)
 * @param failed operations that failed (pipelined only), expected 0
 * @param p50Millis median latency
 * @param p90Millis 90th percentile (NaN for pipelined runs)
 * @param p99Millis 99th percentile
 * @param maxMillis the slowest (NaN for pipelined runs)
 * @param cpuMillis CPU time of each process in the measured window, by name (members, servers, client JVM)
 * @param loadAverage the 1-minute load average when the row was measured
 * @param firstFailure the first failure, or empty
 */
record SideRow(
        String side,
        String path,
        double opsPerSecond,
        long acknowledged,
        long failed,
        double p50Millis,
        double p90Millis,
        double p99Millis,
        double maxMillis,
        Map<String, Double> cpuMillis,
        double loadAverage,
        String firstFailure) {

    static SideRow pipelined(String side, String path, Throughput t, Map<String, Double> cpuMillis) {
        return new SideRow(
                side,
                path,
                t.opsPerSecond(),
                t.acknowledged(),
                t.failed(),
                t.p50Millis(),
                Double.NaN,
                t.p99Millis(),
                Double.NaN,
                cpuMillis,
                LoadAverage.oneMinute(),
                t.firstFailure());
    }

    static SideRow sync(String side, String path, SyncLatency l, Map<String, Double> cpuMillis) {
        return new SideRow(
                side,
                path,
                l.writesPerSecond(),
                l.writes(),
                0,
                l.p50Millis(),
                l.p90Millis(),
                l.p99Millis(),
                l.maxMillis(),
                cpuMillis,
                LoadAverage.oneMinute(),
                "");
    }

    /** CPU microseconds per acknowledged operation, all processes together. */
    double cpuMicrosPerOp() {
        return acknowledged == 0
                ? Double.NaN
                : cpuMillis.values().stream().mapToDouble(Double::doubleValue).sum() * 1e3 / acknowledged;
    }

    /** CPU microseconds per acknowledged operation of one process. */
    double cpuMicrosPerOp(String process) {
        return acknowledged == 0 ? Double.NaN : cpuMillis.getOrDefault(process, Double.NaN) * 1e3 / acknowledged;
    }
}
