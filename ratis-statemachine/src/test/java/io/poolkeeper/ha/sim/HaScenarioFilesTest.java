package io.poolkeeper.ha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Runs every scenario file of {@code src/test/resources/ha-scenarios} in the simulator and compares its transcript
 * with the file's {@code expect} section. {@code -Dha.scenarios.update=true} rewrites that section from the run
 * instead (for a new scenario, or after an intended change of behaviour): review the diff, a golden file that records
 * wrong behaviour is worse than none.
 */
@Timeout(120)
class HaScenarioFilesTest {
    static final Path DIR = Path.of("src/test/resources/ha-scenarios");
    private static final boolean UPDATE = Boolean.getBoolean("ha.scenarios.update");

    @TestFactory
    Stream<DynamicTest> everyScenarioFile() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(DIR)) {
            files = list.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no scenario in " + DIR.toAbsolutePath());
        return files.stream()
                .map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> check(file)));
    }

    private static void check(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            Scenario scenario = ScenarioFile.parse(text);
            ScenarioRunner.Run run = ScenarioRunner.run(scenario);
            if (UPDATE) {
                Files.writeString(file, ScenarioFile.rewriteExpected(text, run.transcript()), StandardCharsets.UTF_8);
                return;
            }
            assertEquals(
                    String.join("\n", scenario.expected()),
                    String.join("\n", run.transcript()),
                    () -> file + ": transcript differs (-Dha.scenarios.update=true rewrites it; review the diff)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
