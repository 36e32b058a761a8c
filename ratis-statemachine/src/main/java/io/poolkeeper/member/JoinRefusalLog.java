package io.poolkeeper.member;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refused joins as one line, at most once per peer per interval (DESIGN §11), and at most {@link #BUDGET} lines
 * per interval over all peers: a prober that makes up a new host per attempt must not flood the log either.
 *
 * <p>Thread-safe.
 */
final class JoinRefusalLog {
    private static final Logger LOG = LoggerFactory.getLogger(JoinRefusalLog.class);
    static final long INTERVAL_NANOS = 60_000_000_000L;
    static final int BUDGET = 20;

    private final LongSupplier nanos;
    private final ConcurrentHashMap<String, Long> lastByPeer = new ConcurrentHashMap<>();
    private final AtomicLong windowStart;
    private final AtomicLong linesInWindow = new AtomicLong();

    JoinRefusalLog(LongSupplier nanos) {
        this.nanos = nanos;
        this.windowStart = new AtomicLong(nanos.getAsLong());
    }

    /**
     * Logs that host {@code peer} (at {@code address}) was refused for {@code why}, unless that host's refusal was
     * logged within the interval.
     */
    void refused(String peer, String address, String why) {
        if (shouldLog(peer)) {
            LOG.warn("refused a join from host {} at {}: {}", peer, address, why);
        }
    }

    boolean shouldLog(String peer) {
        long now = nanos.getAsLong();
        long start = windowStart.get();
        if (now - start >= INTERVAL_NANOS && windowStart.compareAndSet(start, now)) {
            linesInWindow.set(0);
            lastByPeer.clear(); // bounded: at most the peers of one interval are remembered
        }
        Long last = lastByPeer.get(peer);
        if (last != null && now - last < INTERVAL_NANOS) {
            return false;
        }
        if (linesInWindow.incrementAndGet() > BUDGET) {
            return false;
        }
        lastByPeer.put(peer, now);
        return true;
    }
}
