package io.poolkeeper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * {@code poolkeeper demo --fast} in its own JVM, as a newcomer runs it: both seeds' scenarios (about 80 s, the HA part
 * about 45 s of it, since its HA timeout stays 5 s) must succeed and leave nothing behind.
 */
@Timeout(value = 330, unit = TimeUnit.SECONDS)
// Its processes mostly wait out failure timeouts: it runs beside the other classes.
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("DemoTest")
class DemoTest {
    @TempDir
    Path parent;

    @Test
    void demoRunsEverySeedScenarioAndCleansUp() throws Exception {
        Process demo = new ProcessBuilder(
                        CliParsingTest.java(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "demo",
                        "--fast",
                        "--dir",
                        parent.toString())
                .redirectErrorStream(true)
                .start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread copier = new Thread(() -> {
            try {
                demo.getInputStream().transferTo(output);
            } catch (java.io.IOException e) {
                // The stream closes with the process.
            }
        });
        copier.start();
        boolean exited = demo.waitFor(300, TimeUnit.SECONDS);
        if (!exited) {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
        copier.join(10_000);
        String out = output.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertTrue(exited, "demo still running after 300 s:\n" + endFirst(out));
        assertEquals(0, demo.exitValue(), endFirst(out));

        for (String expected : List.of(
                "killed -> marked dead (live=false)",
                "host-forget -> its VMs halted",
                "started on another host",
                "elected master",
                "survivor in emergency mode",
                "pool-emergency-transition-to-master ->",
                "pool-recover-slaves ->",
                "host7's cable pulled -> it fenced itself (FENCED)",
                "the 2 others declare host7 dead; protected VM runs on host",
                "host-plug-cable -> the master re-admits host7: SLAVE, live",
                "host8's cable pulled -> host9 (higher UUID) fenced",
                "host8 (lower UUID) survives: master of generation 2",
                "host9's cable pulled -> host9 (higher UUID) fenced",
                "host8 (lower UUID) survives: master of generation 3",
                "host-plug-cable -> the master re-admits host9: SLAVE, live",
                "== Summary",
                "every step behaved as the seeds describe")) {
            assertTrue(out.contains(expected), "missing '" + expected + "' in\n" + endFirst(out));
        }
        try (var left = Files.list(parent)) {
            assertEquals(List.of(), left.toList(), "the demo's directory was not removed");
        }
        assertFalse(
                ProcessHandle.allProcesses()
                        .anyMatch(p -> p.info().commandLine().orElse("").contains(parent.toString())),
                "a member process outlived the demo");
    }

    /**
     * The output's last lines (where a failed step says why), then the whole of it: a report that shows only the
     * message's beginning still shows the failure.
     */
    private static String endFirst(String out) {
        List<String> lines = out.lines().toList();
        List<String> end = lines.subList(Math.max(0, lines.size() - 25), lines.size());
        return "last lines:\n" + String.join("\n", end) + "\n--- the whole output ---\n" + out;
    }
}
