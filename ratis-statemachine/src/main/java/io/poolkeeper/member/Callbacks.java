package io.poolkeeper.member;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the futures an embedder holds complete: on the embedder's executor if it gave one, else on the library's
 * daemon threads, never on the Raft apply thread that commits the command. A callback that blocks on another pool
 * call there would wait for the very thread it holds (jetcd's {@code ClientBuilder.executorService} does the same).
 */
final class Callbacks {
    /**
     * The library's executor, shared by the members of the JVM: unbounded, so a callback that blocks on another call
     * never waits for a thread; daemon threads that end after a minute idle, so nothing outlives the last member.
     */
    private static final Executor LIBRARY = new ThreadPoolExecutor(
            0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), new DaemonThreads());

    private final Executor executor;

    Callbacks(Optional<Executor> given) {
        this.executor = given.orElse(LIBRARY);
    }

    /**
     * A future that completes as {@code source} does, on the callback executor. One already complete is returned as
     * it is: callbacks chained on it run on the caller's own thread.
     */
    <T> CompletableFuture<T> hop(CompletableFuture<T> source) {
        if (source.isDone()) {
            return source;
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        source.whenComplete((value, error) -> {
            Runnable complete = () -> {
                if (error != null) {
                    out.completeExceptionally(error);
                } else {
                    out.complete(value);
                }
            };
            try {
                executor.execute(complete);
            } catch (RejectedExecutionException shutDown) {
                // The embedder's executor was shut down before the member: the caller still gets its answer.
                LIBRARY.execute(complete);
            }
        });
        return out;
    }

    private static final class DaemonThreads implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "poolkeeper-callback-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
