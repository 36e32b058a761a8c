package io.poolkeeper.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RefusalLogTest {
    private final AtomicLong nanos = new AtomicLong(5);
    private final RefusalLog log = new RefusalLog(RefusalLogTest.class, nanos::get);

    private boolean refused(String caller) {
        return log.refused(caller, () -> "refused " + caller);
    }

    @Test
    void oncePerCallerPerInterval() {
        assertTrue(refused("a"));
        assertFalse(refused("a"));
        assertTrue(refused("b"));
        nanos.addAndGet(RefusalLog.INTERVAL_NANOS - 1);
        assertFalse(refused("a"));
        nanos.addAndGet(1);
        assertTrue(refused("a"));
    }

    @Test
    void aProberWithEverNewNamesIsCappedPerInterval() {
        long logged =
                IntStream.range(0, 1_000).filter(i -> refused("host-" + i)).count();
        assertEquals(RefusalLog.BUDGET, logged);
        nanos.addAndGet(RefusalLog.INTERVAL_NANOS);
        assertTrue(refused("host-999"));
    }
}
