package io.poolkeeper.ha.sim;

import java.util.Locale;

/** Units and fixed latencies of the simulator. */
final class Sim {
    static final long MS = 1_000_000L;
    static final long SECOND = 1_000 * MS;
    static final long GIB = 1L << 30;
    /** How often the Raft model elects, steps down and catches peers up. */
    static final long RAFT_PERIOD = 250 * MS;
    /** How long a commit takes once asked for. */
    static final long COMMIT_LATENCY = 10 * MS;
    /** How long the forced reconfiguration of DESIGN §5 takes. */
    static final long REFOUND_LATENCY = 100 * MS;
    /** How often a client writes to the master (the ledger of acknowledged writes). */
    static final long WRITE_PERIOD = 500 * MS;

    private Sim() {}

    /** {@code nanos} as seconds with millisecond precision, e.g. {@code 12.345s}. */
    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
    }
}
