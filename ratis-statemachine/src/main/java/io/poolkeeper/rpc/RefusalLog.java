package io.poolkeeper.rpc;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refused calls as one line per caller per interval, with how many were refused silently since: a stranger
 * retrying in a loop must not fill the member's log. Bounded: past {@value #MAX_CALLERS} callers it starts over.
 * Thread-safe.
 */
final class RefusalLog {
    static final long INTERVAL_NANOS = 60_000_000_000L;
    private static final int MAX_CALLERS = 1024;

    private final Logger log;
    private final ConcurrentMap<String, Window> callers = new ConcurrentHashMap<>();

    RefusalLog(Class<?> owner) {
        this.log = LoggerFactory.getLogger(owner);
    }

    /** Counts a refusal of {@code caller}; logs {@code line} when none was logged for it this interval. */
    void refused(String caller, Supplier<String> line) {
        if (callers.size() > MAX_CALLERS) {
            callers.clear();
        }
        Window window = callers.computeIfAbsent(caller, c -> new Window());
        long now = System.nanoTime();
        long last = window.lastLogged.get();
        if (last != 0 && now - last < INTERVAL_NANOS) {
            window.suppressed.incrementAndGet();
            return;
        }
        if (window.lastLogged.compareAndSet(last, now)) {
            long suppressed = window.suppressed.getAndSet(0);
            log.warn("{}{}", line.get(), suppressed == 0 ? "" : " (" + suppressed + " more refused since)");
        } else {
            window.suppressed.incrementAndGet();
        }
    }

    private static final class Window {
        final AtomicLong lastLogged = new AtomicLong();
        final AtomicLong suppressed = new AtomicLong();
    }
}
