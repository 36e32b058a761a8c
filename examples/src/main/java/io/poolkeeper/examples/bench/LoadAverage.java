package io.poolkeeper.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's 1-minute load average (as {@code uptime} shows it), to judge how noisy a measurement was. */
final class LoadAverage {
    private LoadAverage() {}

    /** The 1-minute load average, or NaN where {@code /proc/loadavg} is missing. */
    static double oneMinute() {
        try {
            String line = Files.readString(Path.of("/proc/loadavg")).trim();
            return Double.parseDouble(line.substring(0, line.indexOf(' ')));
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
