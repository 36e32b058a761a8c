package io.poolkeeper.examples.bench;

import java.util.Arrays;

/**
 * Synchronous write latency, for any system: one caller, one write at a time, each sent once the previous one was
 * acknowledged; first {@code warmup} writes unmeasured, then {@code writes} measured.
 *
 * @param writes writes measured
 * @param seconds wall-clock time of the measured writes
 * @param p50Millis median latency
 * @param p90Millis 90th percentile
 * @param p99Millis 99th percentile
 * @param maxMillis the slowest
 */
record SyncLatency(int writes, double seconds, double p50Millis, double p90Millis, double p99Millis, double maxMillis) {

    /** Makes the writes ({@code write} must block until acknowledged and throw on failure). */
    static SyncLatency run(int warmup, int writes, Runnable write) {
        for (int i = 0; i < warmup; i++) {
            write.run();
        }
        long[] nanos = new long[writes];
        long started = System.nanoTime();
        for (int i = 0; i < writes; i++) {
            long sent = System.nanoTime();
            write.run();
            nanos[i] = System.nanoTime() - sent;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Arrays.sort(nanos);
        return new SyncLatency(
                writes,
                seconds,
                percentile(nanos, 0.50),
                percentile(nanos, 0.90),
                percentile(nanos, 0.99),
                nanos[writes - 1] / 1e6);
    }

    double writesPerSecond() {
        return writes / seconds;
    }

    private static double percentile(long[] sorted, double p) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
