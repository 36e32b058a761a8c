package io.poolkeeper.examples;

import static org.awaitility.Awaitility.await;

import io.poolkeeper.api.model.MemberRole;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shortest HA timeout the pool accepts, 1 s, with the heartbeat floor of members built with the public API
 * (1 s): the heartbeat is at most T/4, so the detection time T/2 spans two beats and a healthy pool fences nobody
 * (with a 1 s beat every host fenced itself about a second after HA was enabled).
 */
@Timeout(60)
class ShortHaTimeoutTest {
    @TempDir
    Path dir;

    @Test
    void aHealthyPoolWithTheShortestAcceptedHaTimeoutFencesNobody() {
        try (LoopbackPool pool = LoopbackPool.start(dir, 3)) {
            pool.master().pool().blocking().enableHa(Optional.of(Duration.ofSeconds(1)));

            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6)).until(() -> IntStream.range(
                            0, pool.size())
                    .noneMatch(i -> pool.member(i).role() == MemberRole.FENCED));
        }
    }
}
