package io.poolkeeper.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poolkeeper.api.model.PowerState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class EmbeddedPoolTest {
    @TempDir
    Path dir;

    @Test
    void threeMembersStartAVmOnTheChosenHostAndARemoteClientShutsItDown() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        EmbeddedPool.Result result =
                EmbeddedPool.run(dir, new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertEquals(3, result.hosts().size());
        assertEquals(result.hosts().get(1), result.startedOn());
        assertEquals(Optional.of(result.startedOn()), result.runningOnAgent(), "the chosen host's agent ran it");
        assertEquals(PowerState.HALTED, result.afterShutdown());
        System.out.print(printed.toString(StandardCharsets.UTF_8));
    }
}
