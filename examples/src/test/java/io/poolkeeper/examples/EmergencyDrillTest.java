package io.poolkeeper.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.MemberRole;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

@Timeout(90)
// Mostly waits on its own pool: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("EmergencyDrillTest")
class EmergencyDrillTest {
    @TempDir
    Path dir;

    @Test
    void theSurvivorEntersEmergencyModeBecomesMasterAndRecoversTheLostHosts() {
        EmergencyDrill.Result result = EmergencyDrill.run(dir, Examples.log("EmergencyDrill"));

        assertEquals(MemberRole.EMERGENCY, result.roleWhileAlone());
        assertEquals(Optional.of(ErrorCode.HOST_IN_EMERGENCY_MODE), result.writeRefusedWith());
        assertEquals(result.generationBefore() + 1, result.generationAfter());
        assertEquals(2, result.recovered().size(), String.valueOf(result.recovered()));
        assertTrue(result.vmKept(), "the VM created before the failures is on every member of the new generation");
        assertEquals(
                List.of(MemberRole.MASTER, MemberRole.SLAVE, MemberRole.SLAVE),
                result.rolesAfter().stream().sorted().toList(),
                "the pool left emergency mode: " + result.rolesAfter());
    }
}
