package io.poolkeeper.examples.bench;

import io.poolkeeper.api.Pool;
import io.poolkeeper.api.model.VmId;
import java.util.Arrays;

/**
 * Synchronous write latency: one caller, one {@code vm-param-set name-label} at a time, each sent only when the
 * previous one was acknowledged; so every write pays a full round trip, Raft commit (fsync on a quorum) and apply.
 */
final class SyncWrites {
    private SyncWrites() {}

    /**
     * What the writes measured.
     *
     * @param writes writes made
     * @param p50Millis median latency
     * @param p99Millis 99th percentile
     * @param p999Millis 99.9th percentile
     * @param writesPerSecond writes per second of the whole run (one at a time)
     */
    record Latency(int writes, double p50Millis, double p99Millis, double p999Millis, double writesPerSecond) {}

    /** Makes {@code writes} writes on {@code vm} one after the other (each must succeed) and returns their latency. */
    static Latency run(Pool pool, VmId vm, int writes) {
        long[] nanos = new long[writes];
        long started = System.nanoTime();
        for (int i = 0; i < writes; i++) {
            long sent = System.nanoTime();
            pool.setVmParam(vm, "name-label", "sync-" + i).join();
            nanos[i] = System.nanoTime() - sent;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Arrays.sort(nanos);
        return new Latency(
                writes, percentile(nanos, 0.50), percentile(nanos, 0.99), percentile(nanos, 0.999), writes / seconds);
    }

    private static double percentile(long[] sorted, double p) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
