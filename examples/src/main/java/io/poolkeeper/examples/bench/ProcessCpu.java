package io.poolkeeper.examples.bench;

import java.lang.management.ManagementFactory;

/** CPU time used by this process so far, all threads (what {@code time} reports as user + sys). */
final class ProcessCpu {
    private ProcessCpu() {}

    static long nanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
