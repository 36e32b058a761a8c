package io.poolkeeper.member;

import io.poolkeeper.port.Scheduler;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Scheduler} of a running member: {@link System#nanoTime}, one daemon thread for ticks and one for duties,
 * so a duty that blocks on Raft (a configuration change, a join) never delays the next tick.
 */
public final class SystemScheduler implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(SystemScheduler.class);

    private final ScheduledExecutorService ticks;
    private final ExecutorService duties;

    public SystemScheduler(String name) {
        this.ticks = Executors.newSingleThreadScheduledExecutor(daemon("monitor-" + name));
        this.duties = Executors.newSingleThreadExecutor(daemon("duties-" + name));
    }

    /** Daemon threads named for the member they serve. */
    public static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public long nanos() {
        return System.nanoTime();
    }

    @Override
    public void execute(Runnable duty) {
        try {
            duties.execute(duty);
        } catch (RejectedExecutionException e) {
            LOG.debug("closed: duty dropped");
        }
    }

    @Override
    public void every(Duration period, Runnable tick) {
        long millis = Math.max(1, period.toMillis());
        try {
            ticks.scheduleWithFixedDelay(tick, millis, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("closed: tick dropped");
        }
    }

    /** Stops both threads; waits briefly for a tick in progress, so none runs once this returns. */
    @Override
    public void close() {
        ticks.shutdownNow();
        duties.shutdownNow();
        if (!Thread.currentThread().getName().startsWith("monitor-")) {
            try {
                ticks.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
