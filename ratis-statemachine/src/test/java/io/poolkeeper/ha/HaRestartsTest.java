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
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.port.HaBeat;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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

    /** The environment's calls, recorded; restarts and proposals complete when the test says. */
    private static final class Recorder implements HaEnvironment {
        final List<String> calls = new ArrayList<>();
        final List<CompletableFuture<Boolean>> starts = new ArrayList<>();

        @Override
        public CompletableFuture<Boolean> restart(VmId vm, Optional<HostId> on) {
            calls.add("restart " + vm + " on " + on.map(HostId::toString).orElse("any"));
            CompletableFuture<Boolean> done = new CompletableFuture<>();
            starts.add(done);
            return done;
        }

        @Override
        public CompletableFuture<Void> propose(Operation operation) {
            calls.add(
                    operation instanceof Operation.PoolAlert alert
                            ? "alert " + alert.code() + " " + alert.params().subList(0, 2)
                            : operation.xeName());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public long nanos() {
            return 0;
        }

        @Override
        public PoolState state() {
            throw new UnsupportedOperationException();
        }

        @Override
        public HaView view() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void send(String address, HaBeat beat) {}

        @Override
        public void selfFence(String why) {}

        @Override
        public CompletableFuture<List<VmId>> declareFenced(HostId host) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> removeVoter(HostId host) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> refound(SortedSet<HostId> survivors, String why) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> readmit(Host host) {
            throw new UnsupportedOperationException();
        }

        List<String> drain() {
            List<String> out = List.copyOf(calls);
            calls.clear();
            return out;
        }
    }

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
        Recorder env = new Recorder();
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
        Recorder env = new Recorder();
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
        Recorder env = new Recorder();
        HaRestarts restarts = new HaRestarts(H1, env);
        PoolState state = withVm(withVm(pool(8, 4), 1, 16, 0, Optional.empty()), 2, 2, 1, Optional.empty());
        restarts.restart(state);
        assertTrue(env.drain().contains("restart " + vm(1) + " on any"));
        env.starts.get(0).complete(false);
        restarts.restart(state);
        assertEquals(List.of("restart " + vm(2) + " on " + H1), env.drain());
    }
}
