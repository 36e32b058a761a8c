package io.poolkeeper.member;

import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Result;
import io.poolkeeper.ha.HaEnvironment;
import io.poolkeeper.ha.HaView;
import io.poolkeeper.pool.CommandPool;
import io.poolkeeper.port.HaBeat;
import io.poolkeeper.port.LogPosition;
import io.poolkeeper.port.PeerLink;
import io.poolkeeper.port.PeerStatus;
import io.poolkeeper.port.Scheduler;
import io.poolkeeper.ratis.RaftConfigSync;
import io.poolkeeper.ratis.RaftGroups;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member side of {@link HaEnvironment}: what the HA loop's decisions do to a running member. Self-fencing moves
 * the member to FENCED (writes refused with {@code MEMBER_FENCED}), has the agent hard-stop every VM, and leaves the
 * Raft group; the master's verdicts are commands; re-founding and re-admission are the emergency procedures.
 *
 * <p>Thread-safe. Anything that blocks (Raft configuration changes, re-founding, resets) runs on this bridge's own
 * thread, never on the tick or the duty queue, since those procedures call back into members.
 */
final class HaBridge implements HaEnvironment {
    private static final Logger LOG = LoggerFactory.getLogger(HaBridge.class);

    private final MemberConfig config;
    private final Scheduler scheduler;
    private final RoleState role;
    private final RaftGroups groups;
    private final RaftConfigSync configSync;
    private final PeerLink peers;
    private final MemberPool pool;
    private final AgentDriver agent;
    private final EmergencyProcedures emergency;
    private final ReentrantLock switching;
    private final Supplier<String> selfAddress;
    private final ExecutorService procedures;

    HaBridge(
            MemberConfig config,
            Scheduler scheduler,
            RoleState role,
            RaftGroups groups,
            RaftConfigSync configSync,
            PeerLink peers,
            MemberPool pool,
            AgentDriver agent,
            EmergencyProcedures emergency,
            ReentrantLock switching,
            Supplier<String> selfAddress) {
        this.config = config;
        this.scheduler = scheduler;
        this.role = role;
        this.groups = groups;
        this.configSync = configSync;
        this.peers = peers;
        this.pool = pool;
        this.agent = agent;
        this.emergency = emergency;
        this.switching = switching;
        this.selfAddress = selfAddress;
        this.procedures = Executors.newSingleThreadExecutor(SystemScheduler.daemon("ha-" + config.hostId()));
    }

    void close() {
        procedures.shutdownNow();
    }

    private <T> CompletableFuture<T> run(Callable<T> procedure) {
        CompletableFuture<T> done = new CompletableFuture<>();
        try {
            procedures.execute(() -> {
                try {
                    done.complete(procedure.call());
                } catch (Exception e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    private Duration timeout() {
        return config.timeouts().requestTimeout();
    }

    @Override
    public long nanos() {
        return scheduler.nanos();
    }

    @Override
    public PoolState state() {
        return groups.applied().state();
    }

    @Override
    public HaView view() {
        MemberState now = role.get();
        LogPosition last = groups.logPosition();
        return new HaView(
                groups.applied().state(),
                now.inGroup() && groups.inGroup(),
                now == MemberState.MASTER,
                groups.voters(),
                groups.peers(),
                last.term(),
                last.index());
    }

    @Override
    public void send(String address, HaBeat beat) {
        peers.haHeartbeat(address, beat, timeout()).exceptionally(e -> null);
    }

    @Override
    public void selfFence(String why) {
        AppliedState applied = groups.applied();
        long generation = applied.state().pool().map(p -> p.generation()).orElse(0L);
        if (!role.move(
                EnumSet.of(MemberState.MASTER, MemberState.SLAVE, MemberState.NO_MASTER, MemberState.EMERGENCY),
                MemberState.FENCED,
                "HA self-fence: " + why)) {
            return;
        }
        // Writes in flight fail now: none is acknowledged by this member after the fence.
        groups.failInFlight();
        agent.fence(new FencingToken(generation, applied.sequence()));
        run(() -> {
            switching.lock();
            try {
                if (role.get() == MemberState.FENCED && groups.inGroup()) {
                    groups.leave();
                }
            } finally {
                switching.unlock();
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<List<VmId>> declareFenced(HostId host) {
        AppliedState now = groups.applied();
        long generation = now.state().requirePool().generation();
        PoolCommand verdict = new PoolCommand(
                RequestIds.fenced(host, generation, now.logIndex()), 0, 0, new Operation.HostFenced(host));
        return pool.submit(verdict).thenApply(reply -> {
            Result result = CommandPool.resultOrThrow(reply);
            return result instanceof Result.VmsHalted halted ? halted.vms() : List.<VmId>of();
        });
    }

    @Override
    public CompletableFuture<Void> removeVoter(HostId host) {
        return run(() -> {
            configSync.remove(host);
            return null;
        });
    }

    @Override
    public CompletableFuture<Boolean> restart(VmId vm, Optional<HostId> on) {
        return pool.submit(PoolCommand.of(new Operation.VmStart(vm, on, false)))
                .thenApply(reply -> {
                    CommandPool.resultOrThrow(reply);
                    return true;
                })
                .exceptionally(e -> {
                    LOG.info("HA restart of VM {} failed: {}", vm, e.getMessage());
                    return false;
                });
    }

    @Override
    public CompletableFuture<Void> propose(Operation operation) {
        return pool.submit(PoolCommand.of(operation)).thenApply(reply -> {
            CommandPool.resultOrThrow(reply);
            return null;
        });
    }

    @Override
    public CompletableFuture<List<VmId>> refound(SortedSet<HostId> survivors, String why) {
        return run(() -> {
            long generation = emergency
                    .refound(
                            why,
                            local ->
                                    local.state().pool().map(p -> p.haEnabled()).orElse(false))
                    .orElseThrow(() -> new IllegalStateException("HA was disabled meanwhile"));
            PoolState state = groups.applied().state();
            List<VmId> halted = new ArrayList<>();
            for (HostId survivor : survivors) {
                Host host = state.hosts().get(survivor);
                if (host == null) {
                    continue;
                }
                Optional<PeerStatus> status;
                try {
                    status = Optional.of(peers.status(host.address(), timeout()).join());
                } catch (RuntimeException e) {
                    status = Optional.empty(); // the reset tries it anyway, as it did before asking
                }
                halted.addAll(bringBack(host, generation, status));
            }
            return halted;
        });
    }

    @Override
    public CompletableFuture<List<VmId>> readmit(Host host) {
        PoolState state = groups.applied().state();
        String poolUuid = state.requirePool().uuid().toString();
        long mine = state.requirePool().generation();
        return peers.status(host.address(), timeout()).thenCompose(status -> {
            if (!needsReset(status, host, poolUuid, mine)) {
                return CompletableFuture.completedFuture(List.<VmId>of());
            }
            return run(() -> bringBack(host, mine, Optional.of(status)));
        });
    }

    /**
     * Resets {@code host} into {@code generation}. One that reports FENCED is reset only once its agent's hard stop
     * has returned, and its fence is committed first if this master's copy does not hold it (the host live, or VMs
     * live on it): it fenced while no master judged it, and it would come back with VMs recorded as running that its
     * agent stopped, never restarted. Procedures thread.
     *
     * @return the VMs that committing its fence halted
     */
    private List<VmId> bringBack(Host host, long generation, Optional<PeerStatus> status) throws InterruptedException {
        List<VmId> halted = List.of();
        if (status.isPresent() && status.get().role() == MemberRole.FENCED) {
            if (!status.get().fenceComplete()) {
                LOG.info("HA: host {} is still fencing; it is brought back once its VMs are stopped", host.uuid());
                return halted;
            }
            if (fenceUnrecorded(groups.applied().state(), host.uuid())) {
                LOG.warn(
                        "HA: host {} fenced itself unjudged; committing its fence before bringing it back",
                        host.uuid());
                try {
                    halted = declareFenced(host.uuid()).get(timeout().toMillis() * 2, TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    // Not back with its fence unrecorded: the next re-admission round tries both again.
                    LOG.warn("HA: the fence of host {} did not commit: {}", host.uuid(), e.toString());
                    return List.of();
                }
            }
        }
        reset(host, generation);
        return halted;
    }

    /** Whether {@code state} records {@code host} as if it had not fenced: live, or with live VMs resident on it. */
    static boolean fenceUnrecorded(PoolState state, HostId host) {
        Host record = state.hosts().get(host);
        if (record == null) {
            return false;
        }
        return record.live()
                || state.vms().values().stream()
                        .anyMatch(vm -> vm.residentOn().equals(Optional.of(host))
                                && vm.powerState().isLive());
    }

    /**
     * Whether the member that answered {@code status} for {@code host} (not live, not in the Raft group) should be
     * reset into generation {@code mine} of pool {@code poolUuid}: it is of this pool and has no master (fenced, or
     * restarted into a group that no longer counts it: NO_MASTER, EMERGENCY, an older generation); or it is this host
     * in no pool at all, its last join having failed (Ratis closed its new group mid-catch-up), where it waits to be
     * reset and the master is the one to ask again. One that is NO_MASTER refuses a reset until its emergency-after
     * passes; it is asked again then.
     */
    static boolean needsReset(PeerStatus status, Host host, String poolUuid, long mine) {
        if (status.role() == MemberRole.STANDALONE) {
            return status.poolUuid().isEmpty()
                    && status.hostUuid().equals(host.uuid().toString());
        }
        boolean outside = status.role() == MemberRole.FENCED
                || status.role() == MemberRole.EMERGENCY
                || status.role() == MemberRole.NO_MASTER
                || status.generation() < mine;
        return status.poolUuid().equals(poolUuid) && status.generation() <= mine && outside;
    }

    private void reset(Host host, long generation) {
        try {
            LOG.info("HA: bringing host {} into generation {}", host.uuid(), generation);
            // The host checks this master, joins through it and is added to its Raft group: several calls.
            peers.emergencyResetMaster(
                    host.address(), selfAddress.get(), generation, timeout().multipliedBy(3));
        } catch (RuntimeException e) {
            LOG.warn("HA could not bring host {} back: {}", host.uuid(), e.getMessage());
        }
    }
}
