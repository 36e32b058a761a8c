package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.testing.TestingPool;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an embedder codes against, on a real one-member pool built through the API: callbacks off the Raft threads,
 * and watch listeners that throw, embedded and remote. (What a closed or killed member says: SlaveFailureTest.)
 */
@Timeout(60)
class EmbeddingContractTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** An agent asked only what it runs (nothing): these pools run no VM. */
    private static final HostAgent NO_VMS = (HostAgent) Proxy.newProxyInstance(
            HostAgent.class.getClassLoader(), new Class<?>[] {HostAgent.class}, (proxy, method, args) -> {
                if (method.getName().equals("listRunning")) {
                    return java.util.Set.of();
                }
                throw new AssertionError("agent called: " + method.getName());
            });

    private static final AtomicInteger EMBEDDER_THREADS = new AtomicInteger();
    private static final ExecutorService EMBEDDERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "embedders-callback-" + EMBEDDER_THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    @TempDir
    static Path dir;

    /** Shared by the tests, which leave it running; built with the embedder's callback executor. */
    private static PoolMember member;

    /** The embedder's JVM-wide handler, set before the member starts. */
    private static final Thread.UncaughtExceptionHandler EMBEDDERS_HANDLER = (thread, error) -> {};

    private static Thread.UncaughtExceptionHandler jvmsHandler;

    @BeforeAll
    static void startAPool() {
        jvmsHandler = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler(EMBEDDERS_HANDLER);
        member = started(PoolMember.builder().callbackExecutor(EMBEDDERS), "shared");
    }

    @AfterAll
    static void closeThePool() {
        member.close();
        EMBEDDERS.shutdownNow();
        Thread.setDefaultUncaughtExceptionHandler(jvmsHandler);
    }

    /**
     * In this JVM Ratis may have initialised long before; RatisExitTest checks the first initialisation itself, in
     * class loaders of its own.
     */
    @Test
    void startingAMemberKeepsTheEmbeddersUncaughtExceptionHandler() {
        assertSame(EMBEDDERS_HANDLER, Thread.getDefaultUncaughtExceptionHandler());
    }

    private static PoolMember started(PoolMember.Builder builder, String name) {
        PoolMember m = builder.hostUuid(HostId.of(UUID.randomUUID().toString()))
                .listenAddress("127.0.0.1:0")
                .storageDirectory(dir.resolve(name))
                .createPool(name)
                .hostAgent(NO_VMS)
                .timeouts(TestingPool.TIMEOUTS)
                .insecure()
                .build();
        m.start();
        await().atMost(WAIT).until(() -> m.role() == MemberRole.MASTER);
        return m;
    }

    @Test
    void aCallbackMayBlockOnThePoolAndRunsOnTheEmbeddersExecutorNotOnRaftsThreads() throws Exception {
        Pool pool = member.pool();
        AtomicReference<String> callbackThread = new AtomicReference<>();

        CompletableFuture<String> named = pool.setParam("name-label", "one").thenApply(v -> {
            callbackThread.set(Thread.currentThread().getName());
            // On the Raft apply thread this would wait for that very thread (about 10 s, then TIMEOUT).
            pool.blocking().setParam("name-label", "two");
            return pool.blocking()
                    .read(ReadConsistency.LINEARIZABLE)
                    .pool()
                    .orElseThrow()
                    .nameLabel();
        });

        assertEquals("two", named.get(5, TimeUnit.SECONDS));
        assertTrue(callbackThread.get().startsWith("embedders-callback-"), callbackThread.get());
    }

    @Test
    void anEmbeddedListenerThatThrowsGetsOnErrorAndTheNextEvents() throws Exception {
        watchGoesOnAfterAThrow(member.pool());
    }

    @Test
    void aRemoteListenerThatThrowsGetsOnErrorAndTheNextEvents() throws Exception {
        try (PoolClient client = PoolClient.builder()
                .members(List.of(member.serviceAddress()))
                .requestTimeout(Duration.ofSeconds(5))
                .insecure()
                .build()) {
            watchGoesOnAfterAThrow(client.pool());
        }
    }

    /** The first event's listener throws: onError gets that throw, the subscription goes on with the next events. */
    private static void watchGoesOnAfterAThrow(Pool pool) throws Exception {
        long from =
                pool.read(ReadConsistency.LINEARIZABLE).get(5, TimeUnit.SECONDS).appliedIndex();
        List<PoolEvent> delivered = new CopyOnWriteArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        IllegalStateException thrown = new IllegalStateException("the embedder's bug");
        String last = "last-" + UUID.randomUUID();

        try (Subscription ignored = pool.watch(
                from,
                event -> {
                    delivered.add(event);
                    if (delivered.size() == 1) {
                        throw thrown;
                    }
                },
                errors::add)) {
            pool.blocking().setParam("name-label", "a");
            pool.blocking().setParam("name-label", last);

            await().atMost(WAIT).until(() -> delivered.stream()
                    .anyMatch(e -> last.equals(e.params().get("value"))));
            List<Long> tokens = delivered.stream().map(PoolEvent::token).toList();
            // The throwing event counts as delivered: not again, and nothing after it skipped.
            assertEquals(
                    LongStream.rangeClosed(from + 1, from + tokens.size())
                            .boxed()
                            .toList(),
                    tokens);
            assertEquals(List.of(thrown), errors);
        }
    }
}
