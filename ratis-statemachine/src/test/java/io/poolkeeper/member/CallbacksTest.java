package io.poolkeeper.member;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The futures an embedder holds complete on the callback executor, not on the thread that completed the command:
 * a callback that blocks on the next command no longer holds the one thread that would complete it.
 */
@Timeout(10)
class CallbacksTest {
    /** Stands for Ratis's apply thread: completes the commands' futures one after the other. */
    private final ExecutorService updater =
            Executors.newSingleThreadExecutor(r -> new Thread(r, "x-StateMachineUpdater"));

    @Test
    void aCallbackRunsOnTheLibrarysThreadsAndMayBlockOnTheNextCommand() throws Exception {
        Callbacks callbacks = new Callbacks(Optional.empty());
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        AtomicReference<String> callbackThread = new AtomicReference<>();

        CompletableFuture<String> both = callbacks.hop(first).thenApply(a -> {
            callbackThread.set(Thread.currentThread().getName());
            return a + callbacks.hop(second).join();
        });
        updater.execute(() -> first.complete("a"));
        updater.execute(() -> second.complete("b"));

        assertEquals("ab", both.get(5, TimeUnit.SECONDS));
        assertTrue(callbackThread.get().startsWith("poolkeeper-callback-"), callbackThread.get());
        updater.shutdownNow();
    }

    @Test
    void theEmbeddersExecutorRunsTheCallbacksWhenGiven() throws Exception {
        ExecutorService embedders = Executors.newCachedThreadPool(r -> new Thread(r, "embedders-own"));
        Callbacks callbacks = new Callbacks(Optional.of(embedders));
        CompletableFuture<String> source = new CompletableFuture<>();

        CompletableFuture<String> thread =
                callbacks.hop(source).thenApply(v -> Thread.currentThread().getName());
        updater.execute(() -> source.complete("done"));

        assertEquals("embedders-own", thread.get(5, TimeUnit.SECONDS));
        embedders.shutdownNow();
        updater.shutdownNow();
    }

    @Test
    void aFailureIsHandedOnAsItIs() {
        Callbacks callbacks = new Callbacks(Optional.empty());
        CompletableFuture<String> source = new CompletableFuture<>();
        IllegalStateException failure = new IllegalStateException("refused");

        CompletableFuture<String> hopped = callbacks.hop(source);
        updater.execute(() -> source.completeExceptionally(failure));

        CompletableFuture<Throwable> seen = hopped.handle((v, e) -> e);
        assertSame(failure, seen.join());
        updater.shutdownNow();
    }

    @Test
    void anExecutorThatWasShutDownFallsBackToTheLibrarysThreads() throws Exception {
        Executor shutDown = task -> {
            throw new RejectedExecutionException("shut down");
        };
        Callbacks callbacks = new Callbacks(Optional.of(shutDown));
        CompletableFuture<String> source = new CompletableFuture<>();

        CompletableFuture<String> thread =
                callbacks.hop(source).thenApply(v -> Thread.currentThread().getName());
        updater.execute(() -> source.complete("done"));

        assertTrue(thread.get(5, TimeUnit.SECONDS).startsWith("poolkeeper-callback-"));
        updater.shutdownNow();
    }

    @Test
    void aFutureAlreadyCompleteIsReturnedAsItIs() {
        CompletableFuture<String> done = CompletableFuture.completedFuture("local read");

        assertSame(done, new Callbacks(Optional.empty()).hop(done));
    }
}
