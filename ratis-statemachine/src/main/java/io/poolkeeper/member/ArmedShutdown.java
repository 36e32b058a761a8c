package io.poolkeeper.member;

import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.ha.HaMonitor;
import io.poolkeeper.ratis.RaftGroups;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A clean shutdown while HA is armed (DESIGN §6). The member is the host's HA daemon: once it stops, the others hear
 * a silent host, declare it fenced after the HA span and restart its VMs — which its hypervisor still runs. So before
 * the member stops, either the pool has committed that this host left (its goodbye: not live, its VMs still recorded
 * where they run, so nobody restarts them), or the host fences itself first, its agent hard-stopping every VM as a
 * watchdog would. A master cannot commit its own goodbye once it stops leading, so it first hands Raft leadership
 * to another live voter and then says goodbye like a slave.
 *
 * <p>Called with the member's switching lock held, from {@code close()}; blocks at most a few request timeouts.
 */
final class ArmedShutdown {
    private static final Logger LOG = LoggerFactory.getLogger(ArmedShutdown.class);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final HostId self;
    private final RaftGroups groups;
    private final AgentDriver agent;
    private final Duration wait;

    ArmedShutdown(HostId self, RaftGroups groups, AgentDriver agent, Duration wait) {
        this.self = self;
        this.groups = groups;
        this.agent = agent;
        this.wait = wait;
    }

    /**
     * The whole shutdown: the HA loop ({@code haTick}) keeps beating on a thread of its own meanwhile, so the others
     * never count this host silent; {@code stopTicks} stops the member's own ticks before the first goodbye, so no
     * ordinary heartbeat follows it.
     */
    void run(Runnable haTick, Runnable stopTicks, Consumer<Duration> goodbye) {
        Set<VmId> residents = residents();
        ScheduledExecutorService beating =
                Executors.newSingleThreadScheduledExecutor(SystemScheduler.daemon("ha-closing-" + self));
        beating.scheduleWithFixedDelay(haTick, 0, HaMonitor.period().toMillis(), TimeUnit.MILLISECONDS);
        try {
            handOver();
            stopTicks.run();
            Duration round = Duration.ofMillis(Math.min(1000, wait.toMillis()));
            fenceUnlessLeft(residents, () -> goodbye.accept(round));
        } finally {
            beating.shutdownNow();
        }
    }

    /** The VMs the pool records on this host now: they must still be recorded here once the goodbye commits. */
    private Set<VmId> residents() {
        Set<VmId> out = new TreeSet<>();
        for (Vm vm : groups.applied().state().vms().values()) {
            if (vm.residentOn().equals(Optional.of(self)) && vm.powerState() != PowerState.HALTED) {
                out.add(vm.uuid());
            }
        }
        return out;
    }

    /** If this member leads, hands leadership to the lowest live voter, so that its goodbye can be committed. */
    private void handOver() {
        if (!groups.leaderId().equals(Optional.of(self))) {
            return;
        }
        PoolState state = groups.applied().state();
        Optional<HostId> target = groups.voters().stream()
                .filter(id -> !id.equals(self))
                .filter(id -> Optional.ofNullable(state.hosts().get(id))
                        .map(Host::live)
                        .orElse(false))
                .sorted()
                .findFirst();
        if (target.isEmpty()) {
            return;
        }
        try {
            groups.transferLeadership(target.get());
            LOG.info("host {}: closing with HA armed, handed the master role to {}", self, target.get());
        } catch (IOException | RuntimeException e) {
            LOG.warn("host {}: closing with HA armed, could not hand the master role over: {}", self, e.toString());
        }
    }

    /**
     * Says {@code goodbye} until the pool has committed it and still records {@code residents} here, for at most two
     * request timeouts; then fences this host, unless no other live host could restart them.
     */
    private void fenceUnlessLeft(Set<VmId> residents, Runnable goodbye) {
        long deadline = System.nanoTime() + 2 * wait.toNanos();
        Optional<PoolState> seen = Optional.empty();
        do {
            // Again each round: a master that has only just taken over may not have heard the first one.
            goodbye.run();
            Optional<PoolState> now = read();
            seen = now.isPresent() ? now : seen;
            if (seen.isPresent() && left(seen.get(), residents)) {
                LOG.info("host {}: closing with HA armed; the pool knows this host left", self);
                return;
            }
            LockSupport.parkNanos(POLL_NANOS);
        } while (System.nanoTime() < deadline);
        PoolState last = seen.orElse(groups.applied().state());
        boolean othersLive =
                last.hosts().values().stream().anyMatch(h -> !h.uuid().equals(self) && h.live());
        if (!othersLive) {
            return; // nobody to declare this host and restart its VMs
        }
        AppliedState applied = groups.applied();
        long generation = applied.state().pool().map(p -> p.generation()).orElse(0L);
        LOG.warn(
                "host {}: closing with HA armed and the pool not told this host left: fencing it (its VMs stop)", self);
        agent.fence(new FencingToken(generation, applied.sequence()));
    }

    private boolean left(PoolState state, Set<VmId> residents) {
        Host host = state.hosts().get(self);
        if (host == null || host.live()) {
            return false;
        }
        // Not live through a goodbye keeps the VMs where they run; a fence verdict would have halted them.
        return residents.stream().allMatch(id -> {
            Vm vm = state.vms().get(id);
            return vm != null && vm.residentOn().equals(Optional.of(self)) && vm.powerState() != PowerState.HALTED;
        });
    }

    private Optional<PoolState> read() {
        try {
            return Optional.of(groups.readLinearizable()
                    .get(wait.toMillis(), TimeUnit.MILLISECONDS)
                    .state());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return Optional.empty();
        }
    }
}
