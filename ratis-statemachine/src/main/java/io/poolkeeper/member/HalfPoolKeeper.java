package io.poolkeeper.member;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.port.PeerLink;
import io.poolkeeper.ratis.RaftGroups;
import java.time.Duration;
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
 * The seed's slave failure where Raft alone would stop the pool (DESIGN §4): a pool without HA of two voters whose
 * slave died. Its master holds exactly half of the voters; the other can never elect a master of this generation
 * alone, so the master keeps the pool: once Raft has stepped it down and the other has been silent for
 * {@code host-dead-after}, it re-founds the pool in the next generation from its own log
 * ({@link EmergencyProcedures#refound}), where the other is not live, and later resets it into the new generation
 * when it comes back (it returns stale: its generation's Raft group can elect no one, so it never accepts a write).
 *
 * <p>Only the host that both its applied state and its whole log record as master does this, checked again once
 * group changes are serialized, so the two sides never both re-found: a slave never does (it goes to emergency mode,
 * as the seed says). Larger pools split exactly in half are not kept this way: a voter this member reaches may
 * already follow a leader elected by the others, whose writes a re-founding here would lose; they wait for a
 * majority, the operator's emergency procedure, or HA.
 *
 * <p>"Silent" means it answered none of this member's generation probes (every heartbeat interval while without a
 * master) for {@code host-dead-after}. Thread-safe; {@link #check} runs on the monitor tick.
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
        if (s == MemberState.MASTER && !leftBehind.isEmpty()) {
            resetReturning(state.get());
        }
        if (!eligible(s, state.get()) || refounding) {
            watchingSince = -1;
            voterSince.clear();
            return;
        }
        if (watchingSince < 0) {
            watchingSince = now;
        }
        List<HostId> voters = groups.voters();
        if (voters.size() != 2 || !voters.contains(self)) {
            return;
        }
        HostId other = voters.get(0).equals(self) ? voters.get(1) : voters.get(0);
        long since = voterSince.computeIfAbsent(other, v -> now);
        long last = Math.max(
                Math.max(watchingSince, since), generations.lastAnswer(other).orElse(Long.MIN_VALUE));
        if (now - last < deadAfterNanos) {
            return;
        }
        refounding = true;
        long generation = state.get().requirePool().generation();
        LOG.warn("master {} of a 2-voter pool: {} silent for host-dead-after, keeping the pool", self, other);
        run(() -> refound(other, generation));
    }

    /**
     * The rule applies to the pool's recorded master, without HA, once Raft no longer makes it leader (a leader
     * without a majority steps down within a few election timeouts; one that still leads has its majority).
     */
    private boolean eligible(MemberState s, PoolState pool) {
        return (s == MemberState.NO_MASTER || s == MemberState.EMERGENCY)
                && pool.pool().isPresent()
                && !pool.requirePool().haEnabled()
                && pool.isMaster(self);
    }

    private void refound(HostId silent, long generation) {
        try {
            // Checked again once group changes are serialized, on the whole local log: a PoolSetMaster for the other
            // host in this member's log means the other may be master now (it leaves this one alone).
            emergency
                    .refound(
                            "half of the voters lost",
                            local -> eligible(role.get(), local.state())
                                    && local.state().requirePool().generation() == generation
                                    && groups.voters().size() == 2)
                    .ifPresent(g -> leftBehind.add(silent));
        } catch (RuntimeException e) {
            LOG.warn("keeping the pool failed: {}", e.getMessage());
        } finally {
            refounding = false;
            watchingSince = -1;
            voterSince.clear();
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
            // The reset host checks this master, joins through it and is added to its Raft group: several calls.
            peers.emergencyResetMaster(host.address(), selfAddress.get(), generation, requestTimeout.multipliedBy(3));
            return true;
        } catch (RuntimeException e) {
            LOG.warn("could not reset host {}: {}", host.uuid(), e.getMessage());
            return false;
        }
    }
}
