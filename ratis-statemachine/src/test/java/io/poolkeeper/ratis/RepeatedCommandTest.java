package io.poolkeeper.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A command logged again under a request id already applied (a client's resend that reached the log twice) is
 * answered as the first time, marked {@code repeated} and given no event token of its own, so the member's reactions
 * to changes (events, the agent's hand-over, the master's duties, waiters) skip it; a first application, a refusal
 * and a command without a request id are not marked.
 */
@Timeout(10)
class RepeatedCommandTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final HostId HOST = HostId.of("00000001-0000-4000-8000-000000000000");

    @Test
    void aRequestIdAppliedBeforeIsMarkedRepeatedAndChangesNothing() {
        List<AppliedCommand> applied = new ArrayList<>();
        AppliedState pool = PoolStateMachine.applyBatch(
                AppliedState.empty(),
                1,
                List.of(new PoolCommand(
                        "create-pool",
                        NOW,
                        0,
                        new Operation.PoolCreate(
                                PoolId.of("0a000000-0000-4000-8000-0000000000bb"),
                                "pool",
                                new Operation.HostSpec(HOST, "host1", "127.0.0.1:7000", 1L << 40, false),
                                5))),
                applied);
        PoolCommand create = new PoolCommand("create-vm", NOW, 0, vmCreate(1));
        PoolCommand anonymous = new PoolCommand("", NOW, 0, vmCreate(2));
        AppliedState first = PoolStateMachine.applyBatch(pool, 2, List.of(create, anonymous), applied);
        AppliedState again = PoolStateMachine.applyBatch(
                first, 3, List.of(create, anonymous, new PoolCommand("bad", NOW, 0, vmCreate(1))), applied);

        assertEquals(
                List.of(false, false, false, true, false, false),
                applied.stream().map(AppliedCommand::repeated).toList());
        // The resend is no event: it takes no token of its own, the commands after it number on without a gap.
        assertEquals(
                List.of(1L, 2L, 3L, 3L, 4L, 5L),
                applied.stream().map(AppliedCommand::sequence).toList());
        assertEquals(5, again.sequence());
        // The resend is answered as the first time, and the VM is there once.
        assertEquals(
                ((Outcome.Applied) applied.get(1).outcome()).result(),
                ((Outcome.Applied) applied.get(3).outcome()).result());
        assertInstanceOf(Outcome.Rejected.class, applied.get(5).outcome());
        assertEquals(2, again.state().vms().size());
    }

    private static Operation.VmCreate vmCreate(int n) {
        return new Operation.VmCreate(
                VmId.of(String.format("%08d-0000-4000-8000-00000000000c", n)),
                "vm" + n,
                1L << 30,
                1,
                Optional.empty(),
                HaRestartPriority.NONE,
                0);
    }
}
