package io.poolkeeper.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member warns, once per JVM, when the JVM's common pool has fewer than two threads (Ratis then starts a thread per
 * task it runs there), and says nothing when it has two. Each case runs in a JVM of its own: the common pool is sized
 * when a JVM starts, and the warning is given once per JVM.
 */
@Timeout(60)
class CommonPoolWarningTest {
    @Test
    void aSerialCommonPoolIsWarnedOfOnce() throws Exception {
        assertEquals(1, warningsIn(1), "warnings in a JVM whose common pool has 1 thread, asked twice");
    }

    @Test
    void aCommonPoolOfTwoIsNotWarnedOf() throws Exception {
        assertEquals(0, warningsIn(2), "warnings in a JVM whose common pool has 2 threads");
    }

    private static long warningsIn(int parallelism) throws IOException, InterruptedException {
        Process jvm = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Djava.util.concurrent.ForkJoinPool.common.parallelism=" + parallelism,
                        "-cp",
                        System.getProperty("java.class.path"),
                        AskTwice.class.getName())
                .redirectErrorStream(true)
                .start();
        List<String> output;
        try (var out = jvm.getInputStream()) {
            output = new String(out.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
        }
        if (!jvm.waitFor(30, TimeUnit.SECONDS)) {
            jvm.destroyForcibly();
            throw new IllegalStateException("the JVM asking for the warning did not end: " + output);
        }
        assertEquals(0, jvm.exitValue(), "the JVM asking for the warning failed: " + output);
        return output.stream().filter(line -> line.contains("common pool")).count();
    }

    /** Asks for the warning twice, in a JVM started by the test. */
    static final class AskTwice {
        public static void main(String[] args) {
            RaftSettings.warnIfCommonPoolIsSerial();
            RaftSettings.warnIfCommonPoolIsSerial();
        }
    }
}
