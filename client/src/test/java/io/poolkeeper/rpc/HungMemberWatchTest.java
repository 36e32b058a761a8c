package io.poolkeeper.rpc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link HungMemberWatch} on a closing client (a hung member itself is in the root module's {@code HungMemberTest},
 * against a real member).
 */
@Timeout(10)
class HungMemberWatchTest {
    @Test
    void anAttemptStartedWhileTheClientClosesIsNotWatchedAndThrowsNothing() {
        HungMemberWatch watch = new HungMemberWatch();
        watch.close();
        CompletableFuture<Void> attempt = new CompletableFuture<>();
        AtomicBoolean abandoned = new AtomicBoolean();

        // Called from a gRPC callback or the sending thread: an exception here would escape into either.
        assertDoesNotThrow(() -> watch.watch(null, () -> "pool", attempt, () -> abandoned.set(true)));
        attempt.complete(null);
        assertFalse(abandoned.get(), "a closed watch abandons nothing");
    }
}
