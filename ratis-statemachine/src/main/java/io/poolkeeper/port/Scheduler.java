package io.poolkeeper.port;

import java.time.Duration;

/**
 * The one seam through which the member runtime (and the HA runtime) reads time and runs work: a monotonic clock,
 * a periodic tick and a serial queue of duties. The system one runs on real threads; a manual one (in
 * {@code poolkeeper-testing}) lets a test or a simulator drive time by hand, so every timeout of the runtime can be
 * checked in virtual time.
 *
 * <p>Implementations are thread-safe. Work handed in after {@link #close} is dropped.
 */
public interface Scheduler extends AutoCloseable {

    /** Monotonic time in nanoseconds (only differences mean anything). */
    long nanos();

    /** Runs {@code duty} soon, off the caller's thread; duties run one at a time, in the order given. */
    void execute(Runnable duty);

    /** Runs {@code tick} every {@code period} until closed; ticks never overlap each other. */
    void every(Duration period, Runnable tick);

    /** Stops ticks and duties; once it returns no tick is running (unless called from a tick). */
    @Override
    void close();
}
