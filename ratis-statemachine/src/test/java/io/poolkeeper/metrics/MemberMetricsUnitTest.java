package io.poolkeeper.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.HostAgentException;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Rejection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The recording side of {@link MemberMetrics} without a member: tags, outcomes, the no-op default, and close. */
@Timeout(10)
class MemberMetricsUnitTest {
    private static final HostId HOST = HostId.of("00000001-0000-4000-8000-000000000000");
    private static final Operation START =
            new Operation.VmStart(VmId.of("00000000-0000-4000-8000-0000000000aa"), Optional.empty(), false);

    @Test
    void operationTagsAreSnakeCaseRecordNames() {
        assertEquals("vm_start", OperationNames.of(START));
        assertEquals("host_set_live", OperationNames.snake("HostSetLive"));
    }

    @Test
    void withoutARegistryNothingIsWrappedOrRecorded() {
        MemberMetrics none = MemberMetrics.of(Optional.empty(), HOST);
        assertFalse(none.enabled());
        HostAgent agent = new FailingAgent();
        assertSame(agent, none.meter(agent));
        CompletableFuture<ResultCodec.Reply> reply = new CompletableFuture<>();
        assertSame(reply, none.command(START, reply));
    }

    @Test
    void commandsAreTimedByOutcomeAndRejectionsCountedByCode() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MemberMetrics metrics = MemberMetrics.of(Optional.of(registry), HOST);
        metrics.command(
                START,
                CompletableFuture.completedFuture(
                        ResultCodec.Reply.of(Rejection.of(ErrorCode.VM_BAD_POWER_STATE, "running"))));
        metrics.command(
                START, CompletableFuture.failedFuture(PoolException.of(ErrorCode.NO_MASTER, List.of(), "election")));
        assertEquals(
                1.0,
                registry.get("poolkeeper.commands.rejected")
                        .tags("host", HOST.toString(), "operation", "vm_start", "code", "VM_BAD_POWER_STATE")
                        .counter()
                        .count());
        assertEquals(
                1.0,
                registry.get("poolkeeper.commands.failed")
                        .tags("operation", "vm_start", "code", "NO_MASTER")
                        .counter()
                        .count());
        assertEquals(
                1,
                registry.get("poolkeeper.commands")
                        .tags("operation", "vm_start", "outcome", "rejected")
                        .timer()
                        .count());
        metrics.batch(7);
        assertEquals(7.0, registry.get("poolkeeper.batch.commands").summary().totalAmount());

        metrics.close();
        assertTrue(registry.getMeters().isEmpty(), "close removes the member's meters");
        metrics.leaderChanged();
        metrics.batch(1);
        assertTrue(registry.getMeters().isEmpty(), "nothing is registered again after close");
    }

    @Test
    void agentCallsAreTimedAndAFailureIsPassedThrough() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        HostAgent agent = MemberMetrics.of(Optional.of(registry), HOST).meter(new FailingAgent());
        VmId vm = VmId.of("00000000-0000-4000-8000-0000000000bb");
        HostAgentException e = assertThrows(HostAgentException.class, () -> agent.pause(vm, new FencingToken(1, 1)));
        assertEquals("no such domain", e.getMessage());
        assertEquals(Set.of(), agent.listRunning());
        assertEquals(
                1,
                registry.get("poolkeeper.agent.calls")
                        .tags("call", "pause", "outcome", "failed")
                        .timer()
                        .count());
        assertEquals(
                1,
                registry.get("poolkeeper.agent.calls")
                        .tags("call", "list_running", "outcome", "ok")
                        .timer()
                        .count());
    }

    /** Refuses every VM operation; runs nothing. */
    private static final class FailingAgent implements HostAgent {
        private static HostAgentException refused() {
            return new HostAgentException("no such domain", false);
        }

        @Override
        public void start(Vm vm, boolean paused, FencingToken token) throws HostAgentException {
            throw refused();
        }

        @Override
        public void stop(VmId vm, boolean hard, FencingToken token) throws HostAgentException {
            throw refused();
        }

        @Override
        public void reboot(VmId vm, boolean hard, FencingToken token) throws HostAgentException {
            throw refused();
        }

        @Override
        public void pause(VmId vm, FencingToken token) throws HostAgentException {
            throw refused();
        }

        @Override
        public void unpause(VmId vm, FencingToken token) throws HostAgentException {
            throw refused();
        }

        @Override
        public void suspend(VmId vm, FencingToken token) throws HostAgentException {
            throw refused();
        }

        @Override
        public void resume(Vm vm, FencingToken token) throws HostAgentException {
            throw refused();
        }

        @Override
        public void migrateOut(VmId vm, HostId target, FencingToken token) throws HostAgentException {
            throw refused();
        }

        @Override
        public void migrateIn(Vm vm, FencingToken token) throws HostAgentException {
            throw refused();
        }

        @Override
        public Set<VmId> listRunning() {
            return Set.of();
        }

        @Override
        public void fence(FencingToken token) {}
    }
}
