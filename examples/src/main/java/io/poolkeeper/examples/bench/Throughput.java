package io.poolkeeper.examples.bench;

import java.util.Map;

/**
 * What one pipelined load measured.
 *
 * @param path what was driven
 * @param opsPerSecond operations acknowledged per second inside the measured window
 * @param acknowledged operations acknowledged inside the measured window
 * @param failed operations that failed (any time), expected 0
 * @param p50Millis median latency of the acknowledged operations
 * @param p99Millis 99th percentile latency of the acknowledged operations
 * @param cpuMicrosPerOp CPU time of this whole process (every member, the client, GC, JIT) in the measured window,
 *     per acknowledged operation: what the run costs, mostly independent of what else the machine is running
 * @param commandsPerEntry pool commands per Raft log index over the run (1 for bare Ratis); Ratis' own metadata
 *     entries take log indexes too, so a pool entry carries more commands than this
 * @param loadAverage the 1-minute load average when the measurement ended
 * @param firstFailure the first failure, or empty
 * @param cpuShares percent of the process's CPU in the measured window by kind of thread, largest first
 * @param gcMillis milliseconds of garbage collection in the measured window
 * @param jitMillis milliseconds of JIT compilation in the measured window
 */
record Throughput(
        String path,
        double opsPerSecond,
        long acknowledged,
        long failed,
        double p50Millis,
        double p99Millis,
        double cpuMicrosPerOp,
        double commandsPerEntry,
        double loadAverage,
        String firstFailure,
        Map<String, Double> cpuShares,
        long gcMillis,
        long jitMillis) {

    Throughput withCommandsPerEntry(double perEntry) {
        return new Throughput(
                path,
                opsPerSecond,
                acknowledged,
                failed,
                p50Millis,
                p99Millis,
                cpuMicrosPerOp,
                perEntry,
                loadAverage,
                firstFailure,
                cpuShares,
                gcMillis,
                jitMillis);
    }
}
