package io.poolkeeper.member;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class JoinRefusalLogTest {
    private final AtomicLong nanos = new AtomicLong(5);
    private final JoinRefusalLog log = new JoinRefusalLog(nanos::get);

    @Test
    void oncePerPeerPerInterval() {
        assertTrue(log.shouldLog("a"));
        assertFalse(log.shouldLog("a"));
        assertTrue(log.shouldLog("b"));
        nanos.addAndGet(JoinRefusalLog.INTERVAL_NANOS - 1);
        assertFalse(log.shouldLog("a"));
        nanos.addAndGet(1);
        assertTrue(log.shouldLog("a"));
    }

    @Test
    void aProberWithEverNewHostsIsCappedPerInterval() {
        long logged = IntStream.range(0, 1_000)
                .filter(i -> log.shouldLog("host-" + i))
                .count();
        assertEquals(JoinRefusalLog.BUDGET, logged);
        nanos.addAndGet(JoinRefusalLog.INTERVAL_NANOS);
        assertTrue(log.shouldLog("host-999"));
    }
}
