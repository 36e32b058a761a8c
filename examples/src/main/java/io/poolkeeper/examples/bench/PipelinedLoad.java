package io.poolkeeper.examples.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A closed-loop pipelined client: one thread keeps {@code window} operations in flight (a new one starts as soon
 * as any completes), first for a warm-up, then for a measured window. Counts the operations acknowledged inside
 * the measured window and records their latencies (sent to acknowledged).
 */
final class PipelinedLoad {
    /** Latency samples kept (at most this many per run; far above what a 2-core machine reaches). */
    private static final int MAX_SAMPLES = 1 << 22;

    private PipelinedLoad() {}

    static Throughput run(
            String path, int window, Duration warmup, Duration measured, Supplier<CompletableFuture<?>> operation)
            throws InterruptedException {
        Semaphore permits = new Semaphore(window);
        long[] samples = new long[MAX_SAMPLES];
        AtomicInteger sampled = new AtomicInteger();
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>("");
        long from = System.nanoTime() + warmup.toNanos();
        long until = from + measured.toNanos();
        long cpuFrom = -1;
        long cpuUntil;
        ThreadCpu threadsFrom = null;
        ThreadCpu threadsUntil;
        while (true) {
            permits.acquire();
            long sent = System.nanoTime();
            if (cpuFrom < 0 && sent >= from) {
                cpuFrom = ProcessCpu.nanos();
                threadsFrom = ThreadCpu.now();
            }
            if (sent >= until) {
                cpuUntil = ProcessCpu.nanos();
                threadsUntil = ThreadCpu.now();
                permits.release();
                break;
            }
            CompletableFuture<?> pending;
            try {
                pending = operation.get();
            } catch (RuntimeException e) {
                pending = CompletableFuture.failedFuture(e);
            }
            pending.whenComplete((result, error) -> {
                long done = System.nanoTime();
                if (error != null) {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet("", String.valueOf(error));
                } else if (done >= from && done < until) {
                    acknowledged.incrementAndGet();
                    int i = sampled.getAndIncrement();
                    if (i < MAX_SAMPLES) {
                        samples[i] = done - sent;
                    }
                }
                permits.release();
            });
        }
        // Drain, so the next run starts from an idle pool; acquiring every permit also publishes the samples.
        if (!permits.tryAcquire(window, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(path + ": operations still pending 60 s after the measured window");
        }
        int n = Math.min(sampled.get(), MAX_SAMPLES);
        long[] latencies = Arrays.copyOf(samples, n);
        Arrays.sort(latencies);
        return new Throughput(
                path,
                acknowledged.get() / (measured.toNanos() / 1e9),
                acknowledged.get(),
                failed.get(),
                percentileMillis(latencies, 0.50),
                percentileMillis(latencies, 0.99),
                acknowledged.get() == 0 ? Double.NaN : (cpuUntil - cpuFrom) / 1e3 / acknowledged.get(),
                1,
                LoadAverage.oneMinute(),
                firstFailure.get(),
                threadsUntil.sharesSince(threadsFrom),
                threadsUntil.gcMillisSince(threadsFrom),
                threadsUntil.jitMillisSince(threadsFrom));
    }

    private static double percentileMillis(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
