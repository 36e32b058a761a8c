package io.poolkeeper.examples;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.HostAgentException;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fencing-token contract of {@link io.poolkeeper.api.HostAgent}, as the template keeps it. */
@Timeout(10)
class TemplateHostAgentTest {
    private final TemplateHostAgent agent = new TemplateHostAgent(HostId.of("446a3c0e-0000-4000-8000-000000000001"));

    private static Vm vm(VmId id) {
        return new Vm(
                id,
                "web",
                PowerState.HALTED,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                1L << 30,
                1,
                HaRestartPriority.NONE,
                false,
                0,
                Optional.empty());
    }

    @Test
    void refusesAnOlderTokenForTheSameVmAndAcceptsAnEqualOneAsARetry() throws HostAgentException {
        VmId web = VmId.random();
        agent.start(vm(web), false, new FencingToken(1, 10));
        agent.pause(web, new FencingToken(1, 12));

        HostAgentException stale =
                assertThrows(HostAgentException.class, () -> agent.unpause(web, new FencingToken(1, 11)));
        assertTrue(stale.staleToken(), stale.getMessage());
        assertEquals(Map.of(web, PowerState.PAUSED), agent.domains(), "a refused call changes nothing");

        agent.pause(web, new FencingToken(1, 12)); // the same call again after a member restart
        agent.unpause(web, new FencingToken(1, 13));
        assertEquals(Map.of(web, PowerState.RUNNING), agent.domains());
    }

    @Test
    void comparesTokensPerVmWithinAGenerationButRefusesAnOlderGeneration() throws HostAgentException {
        VmId first = VmId.random();
        VmId second = VmId.random();
        agent.start(vm(first), false, new FencingToken(1, 20));
        agent.start(vm(second), false, new FencingToken(1, 15)); // another VM's call may arrive later: accepted
        agent.stop(first, true, new FencingToken(2, 3)); // a new generation (an emergency re-founding)

        HostAgentException stale =
                assertThrows(HostAgentException.class, () -> agent.stop(second, true, new FencingToken(1, 30)));
        assertTrue(stale.staleToken(), "a deposed generation's master can no longer drive this host");
        assertEquals(Set.of(second), agent.domains().keySet());
    }

    @Test
    void fenceNeverFailsStopsEverythingAndRefusesCallsUntilReadmitted() throws HostAgentException {
        VmId web = VmId.random();
        agent.start(vm(web), false, new FencingToken(1, 40));
        assertDoesNotThrow(() -> agent.fence(new FencingToken(1, 5))); // even an old token
        assertDoesNotThrow(() -> agent.fence(new FencingToken(1, 50)));
        assertEquals(Map.of(), agent.domains());
        assertEquals(Set.of(), agent.listRunning());
        assertThrows(HostAgentException.class, () -> agent.start(vm(web), false, new FencingToken(1, 60)));

        agent.readmitted(new FencingToken(1, 70));
        HostAgentException beforeFence = assertThrows(
                HostAgentException.class, () -> agent.start(vm(VmId.random()), false, new FencingToken(1, 45)));
        assertTrue(beforeFence.staleToken(), "older than the fence, whichever VM");
        agent.start(vm(web), false, new FencingToken(1, 70));
        assertEquals(Set.of(web), agent.listRunning());
    }
}
