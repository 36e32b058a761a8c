package io.poolkeeper.rpc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refused calls as one line per caller per minute, with how many were refused silently since: a stranger or a
 * broken client retrying in a loop must not fill the member's log. Bounded: past {@value #MAX_CALLERS} callers it
 * starts afresh, so a flood from many addresses still logs boundedly. Thread-safe.
 */
final class RefusalLog {
    /** A caller's refusals are logged at most this often. */
    static final long LOG_EVERY_NANOS = 60_000_000_000L;

    private static final int MAX_CALLERS = 1024;

    /** One caller's window. */
    private static final class Window {
        long lastLogged;
        long suppressed;
    }

    private final Logger log;
    private final LongSupplier nanos;
    private final Map<String, Window> callers = new ConcurrentHashMap<>();

    RefusalLog(Class<?> owner) {
        this(owner, System::nanoTime);
    }

    RefusalLog(Class<?> owner, LongSupplier nanos) {
        this.log = LoggerFactory.getLogger(owner);
        this.nanos = nanos;
    }

    /**
     * Counts a refusal of {@code caller} (an address without its port: a new connection has a new one); logs {@code
     * line} unless one was logged for this caller within the last minute.
     */
    void refused(String caller, Supplier<String> line) {
        if (callers.size() >= MAX_CALLERS && !callers.containsKey(caller)) {
            callers.clear();
        }
        Window window = callers.computeIfAbsent(caller, c -> new Window());
        long suppressed;
        synchronized (window) {
            long now = nanos.getAsLong();
            if (window.lastLogged != 0 && now - window.lastLogged < LOG_EVERY_NANOS) {
                window.suppressed++;
                return;
            }
            window.lastLogged = now == 0 ? 1 : now;
            suppressed = window.suppressed;
            window.suppressed = 0;
        }
        log.warn(
                "{}{}",
                line.get(),
                suppressed == 0 ? "" : " (and " + suppressed + " more refused from " + caller + " in the last minute)");
    }
}
