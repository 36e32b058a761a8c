package io.poolkeeper.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.MemberRole;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

@Timeout(90)
// Mostly waits on its own pool: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("TwoHostsAndWitnessTest")
class TwoHostsAndWitnessTest {
    @TempDir
    Path dir;

    @Test
    void theProtectedVmOfTheLostHostRestartsOnTheOtherHostNeverOnTheWitness() {
        TwoHostsAndWitness.Result result = TwoHostsAndWitness.run(dir, Examples.log("TwoHostsAndWitness"));

        assertEquals(Optional.of(result.otherHost()), result.restartedOn());
        assertTrue(result.otherHostAgentRunsIt(), "the healthy host's agent started it");
        assertTrue(result.witnessRunsNothing());
        assertTrue(
                Set.of(MemberRole.MASTER, MemberRole.SLAVE).contains(result.otherHostRole()),
                "the healthy host was not fenced: " + result.otherHostRole());
    }
}
