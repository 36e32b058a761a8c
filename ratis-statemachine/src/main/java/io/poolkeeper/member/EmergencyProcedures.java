package io.poolkeeper.member;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.codec.ImportChunks;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.AppliedRequests;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.StagedImport;
import io.poolkeeper.pool.CommandPool;
import io.poolkeeper.port.PeerLink;
import io.poolkeeper.port.PeerStatus;
import io.poolkeeper.port.Scheduler;
import io.poolkeeper.ratis.RaftGroups;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The procedures that move a member between pool generations (DESIGN §5): re-founding the pool on a new Raft group
 * from this member's copy (emergency transition to master, by hand or by the half-pool rule), resetting onto
 * another master's generation, recovering the other hosts, and leaving the pool. Each runs with group changes
 * serialized by the member's lock.
 *
 * <p>Thread-safe.
 */
final class EmergencyProcedures {
    private static final Logger LOG = LoggerFactory.getLogger(EmergencyProcedures.class);

    private final MemberConfig config;
    private final RaftGroups groups;
    private final RoleState role;
    private final PeerLink peers;
    private final Scheduler scheduler;
    private final EventLog events;
    private final MasterWatch watch;
    private final PoolMembership membership;
    private final ReentrantLock switching;
    private final Supplier<String> selfAddress;

    EmergencyProcedures(
            MemberConfig config,
            RaftGroups groups,
            RoleState role,
            PeerLink peers,
            Scheduler scheduler,
            EventLog events,
            MasterWatch watch,
            PoolMembership membership,
            ReentrantLock switching,
            Supplier<String> selfAddress) {
        this.config = config;
        this.groups = groups;
        this.role = role;
        this.peers = peers;
        this.scheduler = scheduler;
        this.events = events;
        this.watch = watch;
        this.membership = membership;
        this.switching = switching;
        this.selfAddress = selfAddress;
    }

    /**
     * {@code pool-emergency-transition-to-master}: allowed in emergency mode only; see {@link #refound}.
     */
    void transitionToMaster() {
        switching.lock();
        try {
            MemberState now = role.get();
            if (now == MemberState.STALE) {
                role.checkWritable(generation()); // throws POOL_GENERATION_STALE: a newer generation exists
            }
            if (now != MemberState.EMERGENCY) {
                throw PoolException.of(
                        ErrorCode.NOT_IN_EMERGENCY_MODE,
                        List.of(config.hostId().toString()),
                        "this member is " + now.role() + "; pool-emergency-transition-to-master needs emergency mode");
            }
            refound("pool-emergency-transition-to-master", local -> true);
        } finally {
            switching.unlock();
        }
    }

    /**
     * Re-founds the pool on a new Raft group, generation + 1, with this member as its only voter and, as first
     * entry, an import of everything in its local log, committed or not (a write acknowledged by a majority that
     * included this member is never lost). Other hosts stay in the pool, not live, until they rejoin.
     *
     * @param still checked on the local copy once group changes are serialized: a decision taken earlier (the
     *     half-pool rule's) is carried out only if it still holds
     * @return the new generation, or empty when {@code still} no longer held
     */
    OptionalLong refound(String why, Predicate<AppliedState> still) {
        switching.lock();
        try {
            AppliedState local = groups.appliedWithLogTail();
            if (!still.test(local)) {
                LOG.info("{}: no longer called for, nothing done", why);
                return OptionalLong.empty();
            }
            PoolState state = local.state();
            Pool p = state.requirePool();
            long generation = p.generation() + 1;
            PoolState imported = state;
            for (Host host : state.hosts().values()) {
                if (!host.uuid().equals(config.hostId()) && host.live()) {
                    // Live in the new generation only once it rejoins it.
                    imported = imported.withHost(host.withLive(false));
                }
            }
            // Cut before the old group is left: a state that cannot be cut (never one the rules make) leaves it as is.
            imported = imported.withRequests(imported.requests().newest(AppliedRequests.IMPORT_LIMIT));
            List<PoolState> parts = ImportChunks.split(imported, ImportChunks.CHUNK_BYTES);
            LOG.warn(
                    "{}: generation {} -> {}, importing {} VMs in {} chunks at log index {}",
                    why,
                    p.generation(),
                    generation,
                    state.vms().size(),
                    parts.size(),
                    local.logIndex());
            // STARTING first: between generations nothing ticks (STARTING is in no group), so no tick sees the old
            // group gone while the member still says NO_MASTER. The watch is reset before the new group exists, so
            // the first tick in it starts counting afresh.
            role.founding(generation);
            role.force(MemberState.STARTING, why + ": founding generation " + generation);
            groups.drop(false);
            events.reset();
            watch.observe(true, scheduler.nanos());
            groups.found(p.uuid().toString(), generation);
            role.move(EnumSet.of(MemberState.STARTING), MemberState.NO_MASTER, "founded generation " + generation);
            String importId = RequestIds.importOf(p.uuid().toString(), generation);
            if (parts.size() == 1) {
                // One entry when it fits: one commit instead of three. Either way no other write reaches the new
                // generation before the pool is in it (RoleState#founding).
                submitImport(importId, new Operation.PoolImport(imported, generation, config.hostId()));
            } else {
                importChunked(importId, parts, imported, generation);
            }
            watch.observe(true, scheduler.nanos());
            return OptionalLong.of(generation);
        } catch (IOException e) {
            throw PoolException.of(ErrorCode.INTERNAL_ERROR, List.of(), why + " failed: " + e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof PoolException pe
                    ? pe
                    : PoolException.of(ErrorCode.INTERNAL_ERROR, List.of(), why + " failed: " + e);
        } catch (TimeoutException e) {
            throw PoolException.of(ErrorCode.TIMEOUT, List.of(), why + ": the import did not commit");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PoolException.of(ErrorCode.INTERNAL_ERROR, List.of(), "interrupted");
        } finally {
            role.founding(0);
            switching.unlock();
        }
    }

    /**
     * Imports {@code imported}, cut into {@code parts}, into the new group as a begin, the chunks and a commit: one log
     * entry holds at most Ratis' {@code log.appender.buffer.byte-limit} (4 MB), which a pool of some ten thousand
     * VMs exceeds. Each command waits for the one before it (the batcher would otherwise put several chunks in one
     * entry), and the pool exists only once the commit applies.
     */
    private void importChunked(String importId, List<PoolState> parts, PoolState imported, long generation)
            throws ExecutionException, InterruptedException, TimeoutException {
        submitImport(
                "",
                new Operation.PoolImportBegin(
                        importId, generation, config.hostId(), parts.size(), StagedImport.objectCount(imported)));
        for (int i = 0; i < parts.size(); i++) {
            submitImport("", new Operation.PoolImportChunk(importId, i, parts.get(i)));
        }
        // The commit carries the request id the single-entry import had: a retried transition finds it applied.
        submitImport(importId, new Operation.PoolImportCommit(importId));
    }

    private void submitImport(String requestId, Operation op)
            throws ExecutionException, InterruptedException, TimeoutException {
        // Straight to the group commit: the member refuses other writes until the import is in (RoleState#founding).
        CommandPool.resultOrThrow(groups.batcher()
                .submit(new PoolCommand(requestId, 0, 0, op))
                .thenApply(ResultCodec::decode)
                .get(config.timeouts().requestTimeout().toMillis() * 2, TimeUnit.MILLISECONDS));
    }

    /**
     * {@code pool-emergency-reset-master}: allowed in emergency mode, or when this member is of an older generation
     * than the master at {@code masterAddress}. Drops the local copy (its Raft group is kept on disk, renamed) and
     * joins that master's generation, catching up through its log or a snapshot.
     */
    void resetMaster(String masterAddress) {
        switching.lock();
        try {
            PeerStatus master = peers.status(masterAddress, config.timeouts().requestTimeout())
                    .exceptionally(e -> {
                        throw PoolException.of(
                                ErrorCode.NO_MASTER, List.of(masterAddress), "cannot reach " + masterAddress);
                    })
                    .join();
            long mine = generation();
            MemberState now = role.get();
            boolean standalone = now == MemberState.STANDALONE;
            if (master.generation() < mine && !standalone) {
                throw PoolException.of(
                        ErrorCode.POOL_GENERATION_STALE,
                        List.of(Long.toString(master.generation()), Long.toString(mine)),
                        "the member at " + masterAddress + " is of an older generation than this one");
            }
            // A fenced member is brought back by the master (HA re-admission), in its generation or a newer one.
            boolean allowed = standalone || now.emergency() || now == MemberState.FENCED || master.generation() > mine;
            if (!allowed) {
                throw PoolException.of(
                        ErrorCode.NOT_IN_EMERGENCY_MODE,
                        List.of(config.hostId().toString()),
                        "this member is " + now.role() + " in generation " + mine
                                + "; reset needs emergency mode or an older generation");
            }
            role.force(MemberState.STARTING, "pool-emergency-reset-master: joining generation " + master.generation());
            groups.drop(false);
            events.reset();
            watch.observe(true, scheduler.nanos());
            try {
                membership.join(masterAddress, master.generation());
            } catch (IOException | RuntimeException e) {
                // Not half in a group the master may still add it to: out of it, and standalone until reset again.
                groups.drop(false);
                role.force(MemberState.STANDALONE, "pool-emergency-reset-master failed: " + e.getMessage());
                throw e;
            }
            role.move(
                    EnumSet.of(MemberState.STARTING),
                    MemberState.NO_MASTER,
                    "joined generation " + master.generation());
            watch.observe(true, scheduler.nanos());
        } catch (IOException e) {
            throw PoolException.of(ErrorCode.INTERNAL_ERROR, List.of(), "emergency reset failed: " + e);
        } finally {
            switching.unlock();
        }
    }

    /**
     * {@code pool-recover-slaves}: on the master, asks every host of {@code hosts} that is not yet in this
     * generation's Raft group to reset to this master. Unreachable hosts are skipped.
     */
    List<HostId> recoverSlaves(Iterable<Host> hosts) {
        if (role.get() != MemberState.MASTER) {
            throw PoolException.of(
                    ErrorCode.NO_MASTER,
                    List.of(config.hostId().toString()),
                    "pool-recover-slaves runs on the master; this member is "
                            + role.get().role());
        }
        List<HostId> inGroup = groups.peers();
        List<HostId> recovered = new ArrayList<>();
        for (Host host : hosts) {
            if (host.uuid().equals(config.hostId()) || inGroup.contains(host.uuid())) {
                continue;
            }
            try {
                peers.emergencyResetMaster(
                        host.address(),
                        selfAddress.get(),
                        generation(),
                        config.timeouts().requestTimeout());
                recovered.add(host.uuid());
            } catch (RuntimeException e) {
                LOG.warn("could not recover host {}: {}", host.uuid(), e.getMessage());
            }
        }
        return recovered;
    }

    /** This host is no longer in the pool (ejected or forgotten): wipe the copy and become standalone. */
    void leavePool() {
        switching.lock();
        try {
            if (!role.get().inGroup()) {
                return;
            }
            LOG.info("host {} is no longer in the pool: wiping the local copy", config.hostId());
            groups.drop(true);
            role.force(MemberState.STANDALONE, "no longer in the pool");
            events.reset();
        } finally {
            switching.unlock();
        }
    }

    /** The pool moved on without this member: leave the old group (kept on disk) if still stale. */
    void leaveStaleGroup() {
        switching.lock();
        try {
            if (role.get() == MemberState.STALE && groups.inGroup()) {
                groups.drop(false);
            }
        } finally {
            switching.unlock();
        }
    }

    private long generation() {
        return groups.applied().state().pool().map(p -> p.generation()).orElse(0L);
    }
}
