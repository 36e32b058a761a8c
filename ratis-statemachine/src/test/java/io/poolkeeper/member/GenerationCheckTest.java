package io.poolkeeper.member;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class GenerationCheckTest {
    private final GenerationCheck check = new GenerationCheck(Duration.ofSeconds(5));

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void aWriteWaitsForTheVerdict() {
        check.leadershipStarted();
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(() -> check.checked(true));
        assertTrue(check.awaitChecked());
    }

    @Test
    void aStaleVerdictRefusesWrites() {
        check.leadershipStarted();
        check.checked(false);
        assertFalse(check.awaitChecked());
        // and stays, whatever a later probe of the same leadership says
        check.checked(true);
        assertFalse(check.awaitChecked());
    }

    @Test
    void anInterruptedWriterStillWaitsForTheVerdictAndKeepsItsInterrupt() {
        check.leadershipStarted();
        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(() -> check.checked(true));
        Thread.currentThread().interrupt();
        assertTrue(check.awaitChecked(), "an interrupt was taken for a newer generation");
        assertTrue(Thread.currentThread().isInterrupted());
    }

    @Test
    void aVerdictThatNeverComesDoesNotBlockWritesForever() {
        GenerationCheck quick = new GenerationCheck(Duration.ofMillis(200));
        quick.leadershipStarted();
        assertTrue(quick.awaitChecked());
    }
}
