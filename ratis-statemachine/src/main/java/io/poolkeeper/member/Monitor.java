package io.poolkeeper.member;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.port.Scheduler;
import io.poolkeeper.ratis.RaftGroups;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's periodic work, on the {@link Scheduler}'s tick: first the state changes the tick observes (a master
 * known or not, emergency mode after {@code emergency-after}), then the current state's duties (hashicorp's
 * {@code runFollower} / {@code runLeader}, Proxmox {@code CRM.work}): the master judges liveness and probes
 * generations, a slave heartbeats (and follows the master's process), a member without a master probes for a newer
 * generation; every heartbeat interval the half-pool rule looks.
 *
 * <p>Ticks never overlap (the scheduler's contract); not otherwise thread-safe.
 */
final class Monitor {
    private static final Logger LOG = LoggerFactory.getLogger(Monitor.class);

    private final HostId self;
    private final Duration heartbeatInterval;
    private final Scheduler scheduler;
    private final RoleState role;
    private final RaftGroups groups;
    private final MasterWatch watch;
    private final MasterDuties master;
    private final SlaveHeartbeats slave;
    private final LeaderLoss leaderLoss;
    private final GenerationGuard generations;
    private final HalfPoolKeeper halfPool;
    private final BooleanSupplier haSurviving;
    private long lastBeatNanos;

    Monitor(
            MemberConfig config,
            Scheduler scheduler,
            RoleState role,
            RaftGroups groups,
            MasterWatch watch,
            MasterDuties master,
            SlaveHeartbeats slave,
            LeaderLoss leaderLoss,
            GenerationGuard generations,
            HalfPoolKeeper halfPool,
            BooleanSupplier haSurviving) {
        this.self = config.hostId();
        this.heartbeatInterval = config.timeouts().heartbeatInterval();
        this.scheduler = scheduler;
        this.role = role;
        this.groups = groups;
        this.watch = watch;
        this.master = master;
        this.slave = slave;
        this.leaderLoss = leaderLoss;
        this.generations = generations;
        this.halfPool = halfPool;
        this.haSurviving = haSurviving;
    }

    /** Ticks often enough to notice a change within half a heartbeat interval, at most every 100 ms. */
    Duration period() {
        return Duration.ofMillis(Math.max(10, Math.min(100, heartbeatInterval.toMillis() / 2)));
    }

    void tick() {
        try {
            RoleState.Seen seen = role.seen();
            MemberState now = seen.state();
            if (!now.inGroup()) {
                return;
            }
            long nanos = scheduler.nanos();
            Optional<HostId> leader = groups.leaderId();
            watch.observe(now == MemberState.MASTER || leader.isPresent(), nanos);
            if (leader.isPresent() && !leader.get().equals(self)) {
                generations.leaderSeen(leader.get(), nanos);
            }
            boolean beat = nanos - lastBeatNanos >= heartbeatInterval.toNanos();
            if (beat) {
                lastBeatNanos = nanos;
            }
            // A member Raft just made leader becomes MASTER once its term's first entry applies, not here.
            if (now != MemberState.MASTER && !leader.equals(Optional.of(self))) {
                MemberState next = leader.isPresent()
                        ? MemberState.SLAVE
                        // An HA member on the surviving side waits for its side to keep or re-found the pool.
                        : watch.emergency(nanos) && !haSurviving.getAsBoolean()
                                ? MemberState.EMERGENCY
                                : MemberState.NO_MASTER;
                // Only if the state is still the one this tick saw: a procedure that moved it meanwhile wins.
                role.moveIfUnchanged(
                        seen,
                        next,
                        leader.map(l -> "master is " + l)
                                .orElse(next == MemberState.EMERGENCY ? "no master for emergency-after" : "no master"));
            }
            switch (role.get()) {
                case MASTER -> master.tick(nanos, beat);
                case SLAVE -> {
                    leaderLoss.follow();
                    if (beat) {
                        slave.beat();
                    }
                }
                case NO_MASTER, EMERGENCY -> {
                    if (beat) {
                        // No master: a newer generation may have been founded without this member.
                        generations.probe(false);
                    }
                }
                default -> {}
            }
            if (beat) {
                halfPool.check(nanos);
            }
        } catch (RuntimeException e) {
            LOG.warn("monitor tick failed: {}", e.toString());
        }
    }
}
