package io.poolkeeper.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poolkeeper.api.model.PowerState;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

@Timeout(60)
// Mostly waits on its own pool: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("EmbeddedPoolTest")
class EmbeddedPoolTest {
    @TempDir
    Path dir;

    @Test
    void threeMembersStartAVmOnTheChosenHostAndARemoteClientShutsItDown() {
        EmbeddedPool.Result result = EmbeddedPool.run(dir, Examples.log("EmbeddedPool"));

        assertEquals(3, result.hosts().size());
        assertEquals(result.hosts().get(1), result.startedOn());
        assertEquals(Optional.of(result.startedOn()), result.runningOnAgent(), "the chosen host's agent ran it");
        assertEquals(PowerState.HALTED, result.afterShutdown());
    }
}
