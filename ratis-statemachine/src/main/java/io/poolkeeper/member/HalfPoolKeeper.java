package io.poolkeeper.member;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.port.PeerLink;
import io.poolkeeper.ratis.RaftGroups;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed's slave failure where Raft alone would stop the pool (DESIGN §4): the master of a pool without HA that
 * reaches exactly half of the voters (itself included) — a 2-host pool whose slave died, above all. The hosts it
 * cannot reach are no more than half, so they can never elect a master of this generation; the master keeps the
 * pool. Once every one of them has been silent for {@code host-dead-after}, it re-founds the pool in the next
 * generation from its own log ({@link EmergencyProcedures#refound}), where they are not live, brings the voters it
 * does reach into it, and later resets each silent host that comes back (it returns stale: its generation's Raft
 * group can elect no one, so it never accepts a write). Slaves never do this: only the host the pool records as
 * master, so two sides never both re-found.
 *
 * <p>"Reached" means answered this member's generation probe (every heartbeat interval, in every role that takes
 * part in the pool) within {@code host-dead-after}. Thread-safe; {@link #check} runs on the monitor tick.
 */
final class HalfPoolKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(HalfPoolKeeper.class);

    private final HostId self;
    private final RoleState role;
    private final RaftGroups groups;
    private final GenerationGuard generations;
    private final PeerLink peers;
    private final EmergencyProcedures emergency;
    private final Supplier<PoolState> state;
    private final Supplier<String> selfAddress;
    private final Duration requestTimeout;
    private final long deadAfterNanos;
    /** Hosts left behind by an automatic re-founding, reset into the new generation when they come back. */
    private final Set<HostId> leftBehind = ConcurrentHashMap.newKeySet();
    /** When each voter was first seen as one: a voter that just joined has been silent since then at most. */
    private final Map<HostId, Long> voterSince = new ConcurrentHashMap<>();

    /**
     * Re-founding and resets block on other members, which call back into this one (a reset host joins through
     * it, and adding its peer is a duty): they run here, never on the duty queue.
     */
    private final ExecutorService procedures;

    private volatile long watchingSince = -1;
    private volatile boolean refounding;

    HalfPoolKeeper(
            HostId self,
            RoleState role,
            RaftGroups groups,
            GenerationGuard generations,
            PeerLink peers,
            EmergencyProcedures emergency,
            Supplier<PoolState> state,
            Supplier<String> selfAddress,
            MemberConfig config) {
        this.self = self;
        this.role = role;
        this.groups = groups;
        this.generations = generations;
        this.peers = peers;
        this.emergency = emergency;
        this.state = state;
        this.selfAddress = selfAddress;
        this.requestTimeout = config.timeouts().requestTimeout();
        this.deadAfterNanos = config.timeouts().hostDeadAfter().toNanos();
        this.procedures = Executors.newSingleThreadExecutor(SystemScheduler.daemon("keeper-" + self));
    }

    void close() {
        procedures.shutdownNow();
    }

    private void run(Runnable procedure) {
        try {
            procedures.execute(procedure);
        } catch (RejectedExecutionException e) {
            LOG.debug("closed: {}", e.toString());
        }
    }

    /** Every heartbeat interval. */
    void check(long now) {
        MemberState s = role.get();
        PoolState pool = state.get();
        boolean eligible = (s == MemberState.MASTER || s == MemberState.NO_MASTER || s == MemberState.EMERGENCY)
                && pool.pool().isPresent()
                && !pool.requirePool().haEnabled()
                && pool.isMaster(self);
        if (!eligible || refounding) {
            watchingSince = -1;
            voterSince.clear();
            return;
        }
        if (watchingSince < 0) {
            watchingSince = now;
        }
        if (s == MemberState.MASTER) {
            resetReturning(pool);
        }
        List<HostId> voters = groups.voters();
        if (voters.size() < 2 || voters.size() % 2 != 0 || !voters.contains(self)) {
            return;
        }
        List<HostId> reached = new ArrayList<>();
        List<HostId> silent = new ArrayList<>();
        for (HostId voter : voters) {
            if (voter.equals(self)) {
                reached.add(voter);
                continue;
            }
            long since = voterSince.computeIfAbsent(voter, v -> now);
            long last = Math.max(
                    Math.max(watchingSince, since),
                    generations.lastAnswer(voter).orElse(Long.MIN_VALUE));
            (now - last < deadAfterNanos ? reached : silent).add(voter);
        }
        if (reached.size() * 2 != voters.size()) {
            return;
        }
        refounding = true;
        LOG.warn(
                "master {} reaches exactly half of the voters; {} silent for host-dead-after: keeping the pool",
                self,
                silent);
        run(() -> refound(reached, silent));
    }

    private void refound(List<HostId> reached, List<HostId> silent) {
        try {
            long generation = emergency.refound("half of the voters lost");
            leftBehind.addAll(silent);
            PoolState pool = state.get();
            for (HostId host : reached) {
                Host h = pool.hosts().get(host);
                if (h != null && !host.equals(self)) {
                    reset(h, generation);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("keeping the pool failed: {}", e.getMessage());
        } finally {
            refounding = false;
            watchingSince = -1;
        }
    }

    /** A host left behind that answers again, of an older generation of this pool, is reset into this one. */
    private void resetReturning(PoolState pool) {
        long mine = pool.requirePool().generation();
        String poolUuid = pool.requirePool().uuid().toString();
        List<HostId> inGroup = groups.peers();
        for (HostId host : leftBehind) {
            Host h = pool.hosts().get(host);
            if (h == null || inGroup.contains(host)) {
                leftBehind.remove(host); // forgotten, or back already
                continue;
            }
            peers.status(h.address(), requestTimeout).thenAccept(status -> {
                if (status.poolUuid().equals(poolUuid) && status.generation() < mine) {
                    run(() -> {
                        if (leftBehind.contains(host) && reset(h, mine)) {
                            leftBehind.remove(host);
                        }
                    });
                }
            });
        }
    }

    private boolean reset(Host host, long generation) {
        try {
            LOG.info("resetting host {} into generation {}", host.uuid(), generation);
            peers.emergencyResetMaster(host.address(), selfAddress.get(), generation, requestTimeout);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("could not reset host {}: {}", host.uuid(), e.getMessage());
            return false;
        }
    }
}
