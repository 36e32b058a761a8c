package io.poolkeeper.examples;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

@Timeout(90)
// Mostly waits on its own pool: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("FailoverDrillTest")
class FailoverDrillTest {
    @TempDir
    Path dir;

    @Test
    void theWriteAfterTheMasterIsKilledIsAcknowledgedByANewMaster() {
        FailoverDrill.Result result = FailoverDrill.run(dir, Examples.log("FailoverDrill"));

        assertNotEquals(result.killedMaster(), result.newMaster());
        assertTrue(result.seenByNewMaster(), "the acknowledged write is in the new master's linearizable read");
        // Election (300-600 ms) plus the client's failover, well within its request timeout on a loaded machine.
        assertTrue(result.killToAck().compareTo(Duration.ofSeconds(15)) < 0, String.valueOf(result.killToAck()));
    }
}
