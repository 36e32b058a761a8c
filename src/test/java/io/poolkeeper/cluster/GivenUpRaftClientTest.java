package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Found by {@link NemesisTest}: a write whose Raft client exhausts its retries (no leader that can commit for longer
 * than a request timeout) makes Ratis fail that client's ordered window for good. The member used to keep the client, so
 * every later write through it failed at once ("SlidingWindow$Client ... is closed") for the rest of the generation:
 * a master elected later could not even commit its HA verdicts. The member now replaces a client Ratis gave up.
 */
@Timeout(90)
class GivenUpRaftClientTest {
    /** Short requests, so the client gives up quickly. */
    private static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(100),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofMillis(300),
            Duration.ofMillis(600),
            Duration.ofSeconds(2));

    @TempDir
    Path dir;

    @Test
    void aMemberWritesAgainAfterItsRaftClientGaveUp() throws Exception {
        try (TestingPool pool = TestingPool.builder(dir).timeouts(TIMEOUTS).start(3)) {
            int survivor = pool.awaitMaster();
            List<Integer> others = pool.others(survivor);
            // No quorum: the survivor's client retries its leader until it gives up.
            others.forEach(pool::kill);
            ExecutionException lost = assertThrows(ExecutionException.class, () -> pool.member(survivor)
                    .pool()
                    .createVm(VmSpec.of("lost", 1L << 20, 1))
                    .get(30, TimeUnit.SECONDS));
            System.out.println("the write without a quorum failed: " + lost.getCause());
            others.forEach(pool::restart);

            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                int master = pool.awaitMaster();
                VmId vm = pool.member(survivor)
                        .pool()
                        .createVm(VmSpec.of("after", 1L << 20, 1))
                        .get(5, TimeUnit.SECONDS);
                return pool.member(master).applied().state().vms().containsKey(vm);
            });
            assertTrue(pool.soleMaster().isPresent());
        }
    }
}
