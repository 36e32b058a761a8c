package io.poolkeeper.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Time moves only by hand; ticks fire at their virtual times, in order, with the duties they queue. */
@Timeout(30)
class ManualSchedulerTest {
    private static final long MS = 1_000_000L;

    @Test
    void ticksFireAtTheirVirtualTimesInOrder() {
        ManualScheduler clock = new ManualScheduler(0);
        List<String> log = new ArrayList<>();
        clock.every(Duration.ofMillis(100), () -> log.add("a@" + clock.nanos() / MS));
        clock.every(Duration.ofMillis(150), () -> log.add("b@" + clock.nanos() / MS));

        clock.advance(Duration.ofMillis(99));
        assertEquals(List.of(), log);
        assertEquals(99 * MS, clock.nanos());

        clock.advance(Duration.ofMillis(201));
        assertEquals(List.of("a@100", "b@150", "a@200", "a@300", "b@300"), log);
        assertEquals(300 * MS, clock.nanos());
    }

    @Test
    void dutiesRunAfterTheTickThatQueuedThemAndOnRunPending() {
        ManualScheduler clock = new ManualScheduler(5 * MS);
        List<String> log = new ArrayList<>();
        clock.every(Duration.ofMillis(10), () -> {
            log.add("tick");
            clock.execute(() -> log.add("duty"));
        });
        clock.execute(() -> log.add("early"));
        assertEquals(List.of(), log);

        clock.runPending();
        assertEquals(List.of("early"), log);
        clock.advance(Duration.ofMillis(10));
        assertEquals(List.of("early", "tick", "duty"), log);
    }

    @Test
    void nothingRunsOnceClosed() {
        ManualScheduler clock = new ManualScheduler(0);
        List<String> log = new ArrayList<>();
        clock.every(Duration.ofMillis(10), () -> log.add("tick"));
        clock.execute(() -> log.add("duty"));
        clock.close();
        clock.execute(() -> log.add("late"));
        clock.advance(Duration.ofSeconds(1));
        clock.runPending();
        assertEquals(List.of(), log);
    }
}
