package io.poolkeeper.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.JoinToken;
import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolRejectedException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.InputLimits;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.Result;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Pool#withRequestId}: the id it is given is checked, carried by the view's write and by its retries, and
 * names one write. The commands are recorded where a member or a client would send them: what the pool does with a
 * repeated id is {@code AppliedRequests}' and the cluster tests' business.
 */
@Timeout(10)
class RequestIdPoolTest {
    private static final VmId VM = VmId.of("00000000-0000-4000-8000-00000000000a");
    private static final HostId HOST = HostId.of("00000000-0000-4000-8000-0000000000b1");

    /** Sends nothing: records each command and answers {@code answer}. */
    private static final class Recording extends CommandPool {
        final List<PoolCommand> sent = new CopyOnWriteArrayList<>();
        Result answer = new Result.Placed(HOST);

        @Override
        public CompletableFuture<ResultCodec.Reply> submit(PoolCommand command) {
            sent.add(command);
            return CompletableFuture.completedFuture(new ResultCodec.Reply(Optional.of(answer), Optional.empty()));
        }

        @Override
        public CompletableFuture<PoolView> read(ReadConsistency consistency) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Subscription watch(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> designateNewMaster(HostId host) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void aViewsWriteAndItsRetriesCarryTheIdAPlainCallAFreshOne() {
        Recording pool = new Recording();
        pool.blocking().startVm(VM, Optional.empty(), false);
        pool.blocking().startVm(VM, Optional.empty(), false);
        Pool once = pool.withRequestId("start-vm-a/1");
        assertEquals(HOST, once.blocking().startVm(VM, Optional.empty(), false));
        assertEquals(HOST, once.blocking().startVm(VM, Optional.empty(), false));
        assertEquals(HOST, pool.blocking().withRequestId("start-vm-a/1").startVm(VM, Optional.empty(), false));

        assertNotEquals(pool.sent.get(0).requestId(), pool.sent.get(1).requestId(), "a plain call makes a new id");
        for (PoolCommand retry : pool.sent.subList(2, 5)) {
            assertEquals("start-vm-a/1", retry.requestId());
            assertEquals(new Operation.VmStart(VM, Optional.empty(), false), retry.operation());
        }
    }

    @Test
    void aViewRefusesASecondDifferentWriteAndSendsNothing() {
        Recording pool = new Recording();
        Pool once = pool.withRequestId("one-write");
        once.blocking().startVm(VM, Optional.empty(), false);
        PoolRejectedException e =
                assertThrows(PoolRejectedException.class, () -> once.blocking().shutdownVm(VM, false));
        assertEquals(ErrorCode.INVALID_VALUE, e.code());
        assertTrue(e.getMessage().contains("vm-start") && e.getMessage().contains("vm-shutdown"), e.getMessage());
        assertEquals(1, pool.sent.size());
    }

    @Test
    void anIdFirstAppliedForAnotherKindOfWriteIsRefusedNotACastFailure() {
        Recording pool = new Recording();
        pool.answer = Result.DONE;
        PoolRejectedException e = assertThrows(
                PoolRejectedException.class,
                () -> pool.blocking().withRequestId("used-for-a-rename").startVm(VM, Optional.empty(), false));
        assertEquals(ErrorCode.INVALID_VALUE, e.code());
        assertEquals("request-id", e.params().get(0));
    }

    @Test
    void aRetriedJoinTokenThroughTheSameViewSendsTheSameSecret() {
        Recording pool = new Recording();
        pool.answer = new Result.JoinTokenCreated(86_400_000L);
        Pool once = pool.withRequestId("token-1");
        JoinToken first = once.blocking().createJoinToken(Duration.ofDays(1));
        JoinToken retried = once.blocking().createJoinToken(Duration.ofDays(1));
        assertEquals(first, retried);
        assertEquals(pool.sent.get(0), pool.sent.get(1));
    }

    @Test
    void anEmptyBlankOrOverlongIdIsRefusedWithItsReason() {
        Recording pool = new Recording();
        for (String bad : new String[] {"", "   ", null}) {
            PoolRejectedException e = assertThrows(PoolRejectedException.class, () -> pool.withRequestId(bad));
            assertEquals(ErrorCode.INVALID_VALUE, e.code(), String.valueOf(bad));
            assertTrue(e.getMessage().contains("must not be empty or blank"), e.getMessage());
        }
        String longest = "x".repeat(InputLimits.REQUEST_ID);
        assertInstanceOf(Pool.class, pool.withRequestId(longest));
        PoolRejectedException e = assertThrows(PoolRejectedException.class, () -> pool.withRequestId(longest + "x"));
        assertEquals(List.of("request-id", "128", "129"), e.params());
        assertTrue(pool.sent.isEmpty());
    }
}
