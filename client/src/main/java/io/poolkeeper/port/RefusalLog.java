package io.poolkeeper.port;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refused calls (DESIGN §11) as one line per caller per minute, counting those left out since, and at most
 * {@value #BUDGET} lines a minute over all callers: a stranger or a broken client retrying in a loop, or a prober that
 * makes up a new name or address per attempt, must not fill the member's log. Callers are remembered for one minute
 * at a time, so the table stays bounded.
 *
 * <p>Thread-safe.
 */
public final class RefusalLog {
    /** A caller's refusals are logged at most this often; the budget is per this interval too. */
    public static final long INTERVAL_NANOS = 60_000_000_000L;

    /** Lines per interval over all callers. */
    public static final int BUDGET = 20;

    private final Logger log;
    private final LongSupplier nanos;
    /** When each caller's last line was logged, in the current interval; and what was left out since. */
    private final Map<String, long[]> callers = new HashMap<>();

    private long intervalStart;
    private int linesInInterval;

    public RefusalLog(Class<?> owner) {
        this(owner, System::nanoTime);
    }

    public RefusalLog(Class<?> owner, LongSupplier nanos) {
        this.log = LoggerFactory.getLogger(owner);
        this.nanos = nanos;
        this.intervalStart = nanos.getAsLong();
    }

    /**
     * Counts a refusal of {@code caller} (an address without its port — a new connection has a new one — or a host);
     * logs {@code line} unless this caller had one within the interval or the interval's budget is spent.
     *
     * @return whether it logged
     */
    public boolean refused(String caller, Supplier<String> line) {
        long suppressed;
        synchronized (this) {
            long now = nanos.getAsLong();
            if (now - intervalStart >= INTERVAL_NANOS) {
                intervalStart = now;
                linesInInterval = 0;
                callers.entrySet().removeIf(e -> now - e.getValue()[0] >= INTERVAL_NANOS);
            }
            long[] window = callers.get(caller);
            boolean recent = window != null && now - window[0] < INTERVAL_NANOS;
            if (recent || linesInInterval >= BUDGET) {
                if (window != null) {
                    window[1]++;
                }
                return false;
            }
            suppressed = window == null ? 0 : window[1];
            callers.put(caller, new long[] {now, 0});
            linesInInterval++;
        }
        log.warn(
                "{}{}",
                line.get(),
                suppressed == 0 ? "" : " (and " + suppressed + " more refused from " + caller + " since)");
        return true;
    }
}
