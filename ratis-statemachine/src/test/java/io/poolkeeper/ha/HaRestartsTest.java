package io.poolkeeper.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.PoolState;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link HaRestarts} on the restart plan: each VM started on its planned host, order groups one after the other, an
 * unplaceable protected VM reported once (and tried once with a plain start), then started once room appears.
 */
@Timeout(30)
class HaRestartsTest {
    private static final long GIB = 1L << 30;
    private static final HostId H1 = new HostId(new UUID(1, 1));
    private static final HostId H2 = new HostId(new UUID(1, 2));

    private static VmId vm(int n) {
        return new VmId(new UUID(2, n));
    }

    private static PoolState pool(long h1Gib, long h2Gib) {
        Pool pool = Pool.created(new PoolId(new UUID(0, 1)), "p", 5);
        return PoolState.empty()
                .withPool(pool.withHa(true, 0, false, pool.haTimeout()))
                .withHost(new Host(H1, "h1", "h1:1", true, true, h1Gib * GIB, HostRole.VOTER))
                .withHost(new Host(H2, "h2", "h2:1", true, true, h2Gib * GIB, HostRole.VOTER));
    }

    private static PoolState withVm(PoolState state, int n, long gib, long order, Optional<HostId> runningOn) {
        return state.withVm(new Vm(
                vm(n),
                "vm" + n,
                runningOn.isPresent() ? PowerState.RUNNING : PowerState.HALTED,
                runningOn,
                Optional.empty(),
                Optional.empty(),
                gib * GIB,
                1,
                HaRestartPriority.RESTART,
                true,
                order,
                Optional.empty()));
    }

    @Test
    void groupsStartInOrderOnTheirPlannedHosts() {
        RecordingEnvironment env = new RecordingEnvironment();
        HaRestarts restarts = new HaRestarts(H1, env);
        PoolState state = withVm(withVm(pool(8, 4), 1, 4, 1, Optional.empty()), 2, 6, 0, Optional.empty());
        restarts.restart(state);
        // Group 0 only; its VM goes to the roomiest host. Group 1's VM would go to host 2 once VM 2 runs on host 1.
        assertEquals(List.of("restart " + vm(2) + " on " + H1), env.drain());
        restarts.restart(state);
        assertEquals(List.of(), env.drain(), "a start in flight is not repeated");
        env.starts.get(0).complete(true);
        state = withVm(state, 2, 6, 0, Optional.of(H1));
        restarts.restart(state);
        assertEquals(List.of("restart " + vm(1) + " on " + H2), env.drain());
    }

    @Test
    void anUnplaceableVmIsReportedOnceAndStartedWhenRoomAppears() {
        RecordingEnvironment env = new RecordingEnvironment();
        HaRestarts restarts = new HaRestarts(H1, env);
        PoolState crowded = withVm(withVm(pool(8, 4), 1, 6, 0, Optional.empty()), 2, 4, 0, Optional.of(H1));
        restarts.restart(crowded);
        assertEquals(
                List.of(
                        "alert HA_PROTECTED_VM_RESTART_FAILED [" + vm(1) + ", HOST_NOT_ENOUGH_FREE_MEMORY]",
                        "restart " + vm(1) + " on any"),
                env.drain());
        env.starts.get(0).complete(false);
        restarts.restart(crowded);
        restarts.restart(crowded);
        assertEquals(List.of(), env.drain(), "reported and tried once, not at every tick");
        // VM 2 stops: host 1 has room again.
        PoolState roomy = crowded.withVm(crowded.vms()
                .get(vm(2))
                .settled(PowerState.HALTED, Optional.empty())
                .withHaAlwaysRun(false));
        restarts.restart(roomy);
        List<String> calls = env.drain();
        assertEquals(List.of("restart " + vm(1) + " on " + H1), calls);
    }

    @Test
    void anUnplaceableVmDoesNotHoldTheNextGroupBack() {
        RecordingEnvironment env = new RecordingEnvironment();
        HaRestarts restarts = new HaRestarts(H1, env);
        PoolState state = withVm(withVm(pool(8, 4), 1, 16, 0, Optional.empty()), 2, 2, 1, Optional.empty());
        restarts.restart(state);
        assertTrue(env.drain().contains("restart " + vm(1) + " on any"));
        env.starts.get(0).complete(false);
        restarts.restart(state);
        assertEquals(List.of("restart " + vm(2) + " on " + H1), env.drain());
    }
}
