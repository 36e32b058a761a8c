package io.poolkeeper.member;

import com.google.common.util.concurrent.Uninterruptibles;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The check a new master makes before its first write (DESIGN §5): that no other host of the pool is in a newer
 * generation. Writes wait for it, bounded by twice the probe deadline; a stale verdict refuses them.
 *
 * <p>Thread-safe.
 */
final class GenerationCheck {
    private final Duration deadline;
    private volatile CompletableFuture<Boolean> current = CompletableFuture.completedFuture(true);

    GenerationCheck(Duration electionTimeoutMax) {
        this.deadline =
                electionTimeoutMax.compareTo(Duration.ofMillis(200)) < 0 ? Duration.ofMillis(200) : electionTimeoutMax;
    }

    /** How long one probe of another member may take. */
    Duration deadline() {
        return deadline;
    }

    /** A leadership began: writes wait until {@link #checked} is called. */
    synchronized void leadershipStarted() {
        // A fresh check each time: a member once stale and since reset into the new generation starts clean (its
        // stale flag is the member's, checked separately before every write).
        current = new CompletableFuture<>();
    }

    /** The probe's verdict: {@code true} when no newer generation was found. */
    synchronized void checked(boolean current) {
        if (!this.current.complete(current) && !current) {
            this.current = CompletableFuture.completedFuture(false);
        }
    }

    /**
     * Waits for the verdict; {@code false} means a newer generation exists. An interrupt does not cut the wait short
     * (it is bounded anyway) and stays set: writes wait here on Ratis's pooled threads, where an interrupt left over
     * from another task says nothing about generations: refused for it, a write of a master that found no newer
     * generation would fail as if one existed.
     */
    boolean awaitChecked() {
        try {
            return Uninterruptibles.getUninterruptibly(current, deadline.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return true; // every probe has its own deadline; a lost callback must not block writes forever
        } catch (ExecutionException e) {
            return true;
        }
    }
}
