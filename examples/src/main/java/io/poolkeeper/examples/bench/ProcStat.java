package io.poolkeeper.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time (user + system) a process has used so far, read from {@code /proc/<pid>/stat}: what the side-by-side
 * benchmark reads before and after each measured window, for every process it started and for itself.
 */
final class ProcStat {
    /**
     * Linux reports utime and stime in clock ticks of {@code USER_HZ}, which is 100 on every mainstream
     * architecture ({@code getconf CLK_TCK}); so each reading is exact to 10 ms.
     */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcStat() {}

    /** CPU time used by process {@code pid} so far, in nanoseconds; -1 when it is gone or /proc is missing. */
    static long cpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields[0] is field 3 (state): utime is field 14, stime field 15.
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
