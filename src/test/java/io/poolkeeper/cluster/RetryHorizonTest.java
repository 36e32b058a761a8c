package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.AppliedRequests;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Result;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once over the whole retry horizon (DESIGN §8, {@link AppliedRequests}): a command acknowledged, then 20,000
 * later commands committed (at the full write rate, under 2 s of a 10 s client retry window; the old 10,000-entry
 * window had forgotten it by then), and the command sent again under its request id gets its first answer and is not
 * applied again.
 *
 * <p>Two commands are retried: a vm-create, which applied again would be refused ({@code UUID_ALREADY_EXISTS}, what
 * a client saw in the field), and a rename, which applied again would silently rename the VM back. One retry comes
 * through a remote client, the other through a slave's embedded pool.
 */
@Timeout(300)
class RetryHorizonTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int LATER = 20_000;
    /** Commands in flight: enough for the batcher to fill its entries, as at the full write rate. */
    private static final int IN_FLIGHT = 256;

    @TempDir
    Path dir;

    @Test
    void aRetryAfterTwentyThousandLaterCommandsGetsItsFirstAnswer() throws Exception {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int masterIndex = pool.awaitMaster();
            RatisPoolMember master = pool.member(masterIndex);
            RatisPoolMember slave = pool.member(pool.others(masterIndex).get(0));

            VmId vm = VmId.random();
            PoolCommand create = new PoolCommand(
                    "horizon/create",
                    0,
                    0,
                    new Operation.VmCreate(vm, "created", 1L << 20, 1, Optional.empty(), HaRestartPriority.NONE, 0));
            PoolCommand rename =
                    new PoolCommand("horizon/rename", 0, 0, new Operation.VmParamSet(vm, "name-label", "renamed"));
            ResultCodec.Reply createdFirst = master.pool().submit(create).get(30, TimeUnit.SECONDS);
            ResultCodec.Reply renamedFirst = master.pool().submit(rename).get(30, TimeUnit.SECONDS);
            assertEquals(Optional.of(Result.DONE), createdFirst.result(), createdFirst.toString());
            assertEquals(Optional.of(Result.DONE), renamedFirst.result(), renamedFirst.toString());
            long poolTimeBefore = master.applied().state().requests().poolTimeMillis();

            long started = System.nanoTime();
            int committed = commitLaterCommands(master, vm);
            long tookMs = (System.nanoTime() - started) / 1_000_000;

            await().atMost(WAIT).untilAsserted(() -> {
                for (RatisPoolMember m : pool.members()) {
                    assertEquals(master.applied().state(), m.applied().state());
                }
            });
            PoolState before = master.applied().state();
            Vm vmBefore = before.vms().get(vm);
            assertTrue(vmBefore.nameLabel().startsWith("later-"), vmBefore.nameLabel());
            AppliedRequests window = before.requests();
            System.out.printf(
                    "retry horizon: %d later commands committed in %d ms; window %d entries, pool time moved %d ms%n",
                    committed, tookMs, window.size(), window.poolTimeMillis() - poolTimeBefore);

            try (GrpcPoolClient client = GrpcPoolClient.builder()
                    .members(pool.addresses())
                    .transportSecurity(pool.clientSecurity())
                    .requestTimeout(Duration.ofSeconds(10))
                    .build()) {
                ResultCodec.Reply createdAgain = client.pool().submit(create).get(30, TimeUnit.SECONDS);
                assertEquals(createdFirst, createdAgain, "the retried create gets its first answer");
            }
            ResultCodec.Reply renamedAgain = slave.pool().submit(rename).get(30, TimeUnit.SECONDS);
            assertEquals(renamedFirst, renamedAgain, "the retried rename gets its first answer");
            assertTrue(window.size() > LATER, "every later command took a place in the window");

            // Neither was applied again: one such VM, under the name the later commands left, on every member.
            await().atMost(WAIT).untilAsserted(() -> {
                for (RatisPoolMember m : pool.members()) {
                    PoolState now = m.applied().state();
                    assertEquals(before.vms(), now.vms());
                    assertEquals(vmBefore, now.vms().get(vm));
                    assertEquals(window.find("horizon/create"), now.requests().find("horizon/create"));
                    assertEquals(window.find("horizon/rename"), now.requests().find("horizon/rename"));
                }
            });
        }
    }

    /** Renames the VM {@link #LATER} times, each under its own request id, pipelined; returns the number committed. */
    private static int commitLaterCommands(RatisPoolMember master, VmId vm) throws InterruptedException {
        Semaphore window = new Semaphore(IN_FLIGHT);
        AtomicInteger committed = new AtomicInteger();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        int sent = 0;
        while (committed.get() < LATER && failures.isEmpty()) {
            assertTrue(window.tryAcquire(30, TimeUnit.SECONDS), "a write stayed unanswered for 30 s");
            int n = sent++;
            master.pool()
                    .submit(new PoolCommand(
                            "horizon/later/" + n, 0, 0, new Operation.VmParamSet(vm, "name-label", "later-" + n)))
                    .whenComplete((reply, error) -> {
                        // Only a busy machine's election could make a write uncertain: it is not counted.
                        if (error != null && !LoadWriters.isUncertain(error)) {
                            failures.add(error);
                        } else if (error == null && reply.rejection().isPresent()) {
                            failures.add(
                                    new AssertionError(reply.rejection().get().toString()));
                        } else if (error == null) {
                            committed.incrementAndGet();
                        }
                        window.release();
                    });
        }
        assertTrue(window.tryAcquire(IN_FLIGHT, 30, TimeUnit.SECONDS), "writes stayed unanswered for 30 s");
        assertEquals(List.of(), failures);
        return committed.get();
    }
}
