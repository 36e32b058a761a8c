package io.poolkeeper.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.PoolEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

@Timeout(90)
// Mostly waits on its own pool: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("EventFollowerTest")
class EventFollowerTest {
    @TempDir
    Path dir;

    @Test
    void aRemoteFollowerSeesEveryEventOnceInOrderAcrossAMasterFailover() {
        EventFollower.Result result = EventFollower.run(dir, Examples.log("EventFollower"));

        assertNotEquals(result.killedMaster(), result.newMaster());
        List<Long> tokens = result.events().stream().map(PoolEvent::token).toList();
        long last = tokens.get(tokens.size() - 1);
        assertTrue(last >= result.lastApplied(), "the follower reached the last write: " + tokens);
        assertEquals(
                LongStream.rangeClosed(1, last).boxed().toList(),
                tokens,
                "every token from 1, once, in order, no gap: " + result.events());
        List<String> created = result.events().stream()
                .filter(e -> e.name().equals("vm-create"))
                .map(e -> e.params().get("name-label"))
                .toList();
        assertEquals(List.of("before-0", "before-1", "before-2", "after-0", "after-1", "after-2"), created);
    }
}
