package io.poolkeeper.ratis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.MemberTimeouts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader's log appender, however many errors a follower answered in a row (an old master's extra entries are
 * one INCONSISTENCY answer each), sends to it again well inside the election timeout, so that follower never stands
 * for election for want of hearing from its leader; and it never gives up on it.
 */
@Timeout(30)
class RaftSettingsTest {
    @TempDir
    Path dir;

    @Test
    void theAppenderRetriesAFollowerWellInsideTheElectionTimeout() {
        MemberTimeouts slow = new MemberTimeouts(
                Duration.ofSeconds(5),
                Duration.ofSeconds(30),
                Duration.ofSeconds(60),
                Duration.ofMillis(3_000),
                Duration.ofMillis(3_500),
                Duration.ofSeconds(5));
        for (MemberTimeouts timeouts : List.of(MemberTimeouts.defaults(), slow)) {
            RaftProperties properties = RaftSettings.server(dir, "127.0.0.1", 1, timeouts);
            RetryPolicy policy = RetryPolicy.parse(RaftServerConfigKeys.Log.Appender.retryPolicy(properties));
            long bound = timeouts.electionTimeoutMin().toMillis() / 4;
            for (int errors : new int[] {1, 10, 11, 12, 50, 100, 101, 1_000, 100_000, 10_000_000}) {
                for (int draw = 0; draw < 20; draw++) {
                    RetryPolicy.Action action = policy.handleAttemptFailure(() -> errors);
                    long sleepMs = action.getSleepTime().toLong(TimeUnit.MILLISECONDS);
                    assertTrue(action.shouldRetry(), "gave up after " + errors + " errors");
                    assertTrue(
                            sleepMs <= bound,
                            "after " + errors + " errors the appender waits " + sleepMs + " ms, over a quarter of the"
                                    + " election timeout " + timeouts.electionTimeoutMin());
                }
            }
        }
    }
}
