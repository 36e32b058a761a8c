package io.poolkeeper.examples.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * CPU time of named processes (each member, each ZooKeeper server, this client JVM) between two readings of
 * {@code /proc/<pid>/stat}: where a measured window's CPU went.
 */
final class CpuMeter {
    private final Map<String, LongSupplier> processes = new LinkedHashMap<>();
    private Map<String, Long> from = Map.of();

    /** Adds a process, read through {@code cpuNanos} (ns used so far, -1 when gone). */
    CpuMeter add(String name, LongSupplier cpuNanos) {
        processes.put(name, cpuNanos);
        return this;
    }

    /** This JVM (the client), read the same way as the children. */
    CpuMeter addSelf() {
        long pid = ProcessHandle.current().pid();
        return add("client JVM", () -> ProcStat.cpuNanos(pid));
    }

    /** Starts a window. */
    synchronized void start() {
        from = read();
    }

    /** Ends the window: CPU ms per process since {@link #start}, in the order added. */
    synchronized Map<String, Double> stop() {
        Map<String, Long> until = read();
        Map<String, Double> millis = new LinkedHashMap<>();
        until.forEach((name, nanos) -> {
            Long before = from.get(name);
            millis.put(name, before == null || before < 0 || nanos < 0 ? Double.NaN : (nanos - before) / 1e6);
        });
        return millis;
    }

    private Map<String, Long> read() {
        Map<String, Long> now = new LinkedHashMap<>();
        processes.forEach((name, cpu) -> now.put(name, cpu.getAsLong()));
        return now;
    }
}
