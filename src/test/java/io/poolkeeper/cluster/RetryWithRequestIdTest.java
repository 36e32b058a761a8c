package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.IndeterminateOutcomeException;
import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolRejectedException;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.testing.SimulatedHypervisor;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Pool#withRequestId}: a write whose caller gave up (a client timeout while a slow agent starts the VM) and
 * that is sent again with the same id is applied once and answered as the first attempt, embedded and remote; the
 * agent is called once. One member: what is tested is the request id, not replication.
 */
@Timeout(90)
class RetryWithRequestIdTest {
    @TempDir
    static Path dir;

    private static TestingPool pool;

    @BeforeAll
    static void startPool() {
        pool = TestingPool.builder(dir.resolve("pool")).insecure().start(1);
    }

    @AfterAll
    static void closePool() {
        pool.close();
    }

    @AfterEach
    void clearFailures() {
        pool.hypervisor(0).clearFailures();
    }

    /** Holds the agent's next {@code operation} of {@code vm} until released. */
    private static final class HeldAgentCall {
        final AtomicBoolean entered = new AtomicBoolean();
        final CountDownLatch release = new CountDownLatch(1);

        HeldAgentCall(String operation, VmId vm) {
            AtomicBoolean armed = new AtomicBoolean(true);
            // An injected failure's matcher runs inside the agent call: returning false lets the call go on.
            pool.hypervisor(0).failNext(call -> {
                if (call.operation().equals(operation) && call.vm().equals(vm) && armed.compareAndSet(true, false)) {
                    entered.set(true);
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return false;
            });
        }
    }

    @Test
    void aRemoteStartThatTimedOutAndIsRetriedWithItsIdSucceedsAndTheAgentStartsTheVmOnce() throws Exception {
        SimulatedHypervisor agent = pool.hypervisor(0);
        VmId vm = pool.pool(0).createVm(VmSpec.of("retried-remotely", 1L << 30, 1));
        long startsBefore = agent.callCount("start");
        String id = "start/" + vm;
        try (GrpcPoolClient impatient = pool.clientBuilder()
                        .requestTimeout(Duration.ofSeconds(1))
                        .build();
                GrpcPoolClient patient = pool.clientBuilder()
                        .requestTimeout(Duration.ofSeconds(30))
                        .build()) {
            // Connected (TLS handshake done, classes loaded): the timeout below is the held agent's.
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> impatient.pool().blocking().read(ReadConsistency.LOCAL) != null);
            HeldAgentCall held = new HeldAgentCall("start", vm);

            IndeterminateOutcomeException timedOut = assertThrows(
                    IndeterminateOutcomeException.class,
                    () -> impatient.pool().blocking().withRequestId(id).startVm(vm, Optional.empty(), false));
            assertEquals(ErrorCode.TIMEOUT, timedOut.code());
            assertEquals("TIMEOUT: no answer from " + pool.address(0) + " within 1 s", timedOut.getMessage());
            assertTrue(held.entered.get(), "the first attempt reached the agent");

            CompletableFuture<HostId> retry = patient.pool().withRequestId(id).startVm(vm, Optional.empty(), false);
            held.release.countDown();
            assertEquals(pool.host(0), retry.get(30, TimeUnit.SECONDS));
            // After the first attempt finished: answered again, from the member's memory.
            assertEquals(
                    pool.host(0), patient.pool().blocking().withRequestId(id).startVm(vm, Optional.empty(), false));
            assertEquals(startsBefore + 1, agent.callCount("start"), "the agent started the VM once");

            // Without the id, a retry is a second start: refused, and the refusal says what state it needs.
            PoolRejectedException second = assertThrows(
                    PoolRejectedException.class, () -> patient.pool().blocking().startVm(vm, Optional.empty(), false));
            assertEquals(ErrorCode.VM_BAD_POWER_STATE, second.code());
            assertTrue(second.getMessage().endsWith("is Running; the operation needs it Halted"), second.getMessage());
        }
    }

    @Test
    void anEmbeddedShutdownRetriedWhileItsAgentWorksGetsTheFirstAttemptsAnswer() throws Exception {
        SimulatedHypervisor agent = pool.hypervisor(0);
        Pool embedded = pool.member(0).pool();
        VmId vm = embedded.blocking().createVm(VmSpec.of("retried-embedded", 1L << 30, 1));
        embedded.blocking().startVm(vm, Optional.empty(), false);
        long stopsBefore = agent.callCount("stop");
        String id = "shutdown/" + vm;
        HeldAgentCall held = new HeldAgentCall("stop", vm);

        CompletableFuture<Void> first = embedded.withRequestId(id).shutdownVm(vm, false);
        await().atMost(Duration.ofSeconds(30)).untilTrue(held.entered);
        // The caller gives up waiting (its own timeout), then retries with the same id while the agent still works.
        assertThrows(TimeoutException.class, () -> first.get(100, TimeUnit.MILLISECONDS));
        CompletableFuture<Void> retry = embedded.withRequestId(id).shutdownVm(vm, false);
        held.release.countDown();
        retry.get(30, TimeUnit.SECONDS);
        first.get(30, TimeUnit.SECONDS);
        embedded.blocking().withRequestId(id).shutdownVm(vm, false);
        assertEquals(stopsBefore + 1, agent.callCount("stop"), "the agent stopped the VM once");
        assertEquals(
                PowerState.HALTED,
                embedded.blocking().read(ReadConsistency.LOCAL).vms().get(vm).powerState());
    }

    @Test
    void aRetryOfAWriteTheAgentFailedGetsTheFailureAgainWithoutASecondAgentCall() {
        SimulatedHypervisor agent = pool.hypervisor(0);
        BlockingPool embedded = pool.pool(0);
        VmId vm = embedded.createVm(VmSpec.of("failed-once", 1L << 30, 1));
        agent.failNext(call -> call.operation().equals("start") && call.vm().equals(vm));
        BlockingPool once = embedded.withRequestId("start/" + vm);

        PoolRejectedException failed =
                assertThrows(PoolRejectedException.class, () -> once.startVm(vm, Optional.empty(), false));
        assertEquals(ErrorCode.HOST_AGENT_FAILED, failed.code());
        long starts = agent.callCount("start");
        PoolRejectedException again =
                assertThrows(PoolRejectedException.class, () -> once.startVm(vm, Optional.empty(), false));
        assertEquals(ErrorCode.HOST_AGENT_FAILED, again.code());
        assertEquals(starts, agent.callCount("start"), "the retry did not call the agent again");
        assertEquals(
                PowerState.HALTED,
                embedded.read(ReadConsistency.LOCAL).vms().get(vm).powerState());
    }

    @Test
    void aRetriedCreateIsAppliedOnceAndReturnsItsVm() {
        BlockingPool once = pool.pool(0).withRequestId("create/retried");
        VmSpec spec = VmSpec.of("created-once", 1L << 30, 1);
        VmId vm = once.createVm(spec);
        assertEquals(vm, once.createVm(spec), "a second create of the same uuid is answered, not refused");
        assertEquals(
                1,
                pool.pool(0).read(ReadConsistency.LOCAL).vms().values().stream()
                        .filter(v -> v.nameLabel().equals("created-once"))
                        .count());
    }
}
