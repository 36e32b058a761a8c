package io.poolkeeper.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.core.AppliedState;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A linearizable read of a member in no Raft group (ejected, between generations) fails its future with
 * MEMBER_NOT_RUNNING instead of throwing: its callers run on pool threads (the agent's catch-up), where a throw
 * killed the task and reached the test's Awaitility as an uncaught exception.
 */
@Timeout(10)
class RaftGroupsTest {
    @TempDir
    Path dir;

    @Test
    void aReadInNoGroupFailsItsFutureAndDoesNotThrow() {
        try (RaftGroups groups = new RaftGroups(
                HostId.of("00000001-0000-4000-8000-000000000000"),
                "127.0.0.1:1",
                dir,
                MemberTimeouts.defaults(),
                (index, commands, after) -> {},
                Optional.empty(),
                1024)) {
            CompletableFuture<AppliedState> read = groups.readLinearizable();
            ExecutionException failed = assertThrows(ExecutionException.class, () -> read.get(5, TimeUnit.SECONDS));
            PoolException refused = assertInstanceOf(PoolException.class, failed.getCause());
            assertEquals(ErrorCode.MEMBER_NOT_RUNNING, refused.code());
        }
    }
}
