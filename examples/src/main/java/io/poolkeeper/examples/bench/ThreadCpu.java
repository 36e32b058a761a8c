package io.poolkeeper.examples.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the process's CPU time goes, by kind of thread (the three members' threads of one kind summed): the Raft
 * apply threads, gRPC and Netty, the Raft log writers, and so on. What no Java thread accounts for is the JVM's own
 * work (garbage collection, JIT compilation).
 */
final class ThreadCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Pattern IDS =
            Pattern.compile("[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|[0-9A-F]{12}|\\d+");

    private final Map<Long, Long> cpuByThread = new HashMap<>();
    private final Map<Long, String> kindByThread = new HashMap<>();
    private final long processCpu;
    private final long gcMillis;
    private final long jitMillis;

    private ThreadCpu() {
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info != null) {
                long cpu = THREADS.getThreadCpuTime(info.getThreadId());
                if (cpu >= 0) {
                    cpuByThread.put(info.getThreadId(), cpu);
                    kindByThread.put(info.getThreadId(), kind(info.getThreadName()));
                }
            }
        }
        processCpu = ProcessCpu.nanos();
        gcMillis = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime)
                .sum();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        jitMillis = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** Milliseconds spent in garbage collections since {@code before} (pauses and concurrent cycles, wall time). */
    long gcMillisSince(ThreadCpu before) {
        return gcMillis - before.gcMillis;
    }

    /** Milliseconds the JIT compilers worked since {@code before}. */
    long jitMillisSince(ThreadCpu before) {
        return jitMillis - before.jitMillis;
    }

    static ThreadCpu now() {
        return new ThreadCpu();
    }

    /** The CPU each kind of thread used since {@code before}, as percentages of the process's, largest first. */
    Map<String, Double> sharesSince(ThreadCpu before) {
        Map<String, Long> byKind = new HashMap<>();
        long threads = 0;
        for (Map.Entry<Long, Long> e : cpuByThread.entrySet()) {
            long used = e.getValue() - before.cpuByThread.getOrDefault(e.getKey(), 0L);
            byKind.merge(kindByThread.get(e.getKey()), used, Long::sum);
            threads += used;
        }
        long total = processCpu - before.processCpu;
        byKind.put("JVM (GC, JIT; no Java thread)", Math.max(0, total - threads));
        Map<String, Double> shares = new LinkedHashMap<>();
        byKind.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> shares.put(e.getKey(), total <= 0 ? 0 : 100.0 * e.getValue() / total));
        return shares;
    }

    /** A thread's kind: its name without ids and numbers ("ratis apply" for every member's StateMachineUpdater). */
    private static String kind(String name) {
        String k = IDS.matcher(name).replaceAll("#");
        if (k.contains("StateMachineUpdater")) {
            return "Raft apply (state machine)";
        }
        if (k.contains("GrpcLogAppender")) {
            return "Raft log appender";
        }
        if (k.contains("SegmentedRaftLogWorker")) {
            return "Raft log writer";
        }
        if (k.startsWith("grpc-default-worker") || k.startsWith("grpc-default-boss")) {
            return "gRPC/Netty event loops";
        }
        if (k.startsWith("grpc-default-executor")) {
            return "gRPC executor";
        }
        return k;
    }
}
