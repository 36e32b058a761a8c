package io.poolkeeper.member;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.port.Heartbeat;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's side of heartbeats (DESIGN §4): feeds {@link Liveness} and commits its verdicts, one in flight per
 * host. Any member answers a heartbeat (with its generation, and whether the sender is in the pool), but only the
 * master counts it.
 *
 * <p>Thread-safe.
 */
final class HeartbeatReceiver {
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatReceiver.class);

    private final HostId self;
    private final Liveness liveness;
    private final Supplier<PoolState> state;
    private final RoleState role;
    private final Consumer<Long> generationSeen;
    private final CommandSink sink;
    private final Set<HostId> verdictsInFlight = ConcurrentHashMap.newKeySet();

    /** Where verdicts go: the member's own write path. */
    interface CommandSink {
        java.util.concurrent.CompletableFuture<?> submit(PoolCommand command);
    }

    HeartbeatReceiver(
            HostId self,
            Duration hostDeadAfter,
            Supplier<PoolState> state,
            RoleState role,
            Consumer<Long> generationSeen,
            CommandSink sink) {
        this.self = self;
        this.liveness = new Liveness(hostDeadAfter);
        this.state = state;
        this.role = role;
        this.generationSeen = generationSeen;
        this.sink = sink;
    }

    /** HA declared {@code host} fenced: what was heard of it before does not bring it back. */
    void forget(HostId host) {
        liveness.forget(host);
    }

    /** A new leadership: every clock starts afresh. */
    void restart() {
        liveness.restart();
    }

    Heartbeat.Answer onHeartbeat(Heartbeat beat, long now, long staleBy) {
        PoolState s = state.get();
        long mine = s.pool().map(p -> p.generation()).orElse(0L);
        if (beat.generation() > mine) {
            generationSeen.accept(beat.generation());
        }
        HostId from;
        try {
            from = HostId.of(beat.hostUuid());
        } catch (IllegalArgumentException e) {
            return new Heartbeat.Answer(Math.max(mine, staleBy), false);
        }
        boolean known = s.hosts().containsKey(from);
        boolean master = role.get() == MemberState.MASTER;
        if (master && known && beat.generation() == mine) {
            if (beat.shuttingDown()) {
                liveness.shutDown(from);
                judge(now);
            } else {
                liveness.heard(from, now);
            }
        }
        // Only a master can say a host is not in the pool; anyone else might be behind.
        return new Heartbeat.Answer(Math.max(mine, staleBy), known || !master);
    }

    /** Commits the hosts the clocks say are dead, or live again. */
    void judge(long now) {
        PoolState s = state.get();
        if (s.pool().isEmpty() || !s.isMaster(self) || role.get() != MemberState.MASTER) {
            return;
        }
        // With HA on, a host is dead only once the HA fencer proves it fenced; heartbeats still bring hosts back.
        boolean haOwnsDeaths = s.requirePool().haEnabled();
        for (Operation.HostSetLive verdict : liveness.verdicts(s, self, now, haOwnsDeaths)) {
            if (verdictsInFlight.add(verdict.host())) {
                LOG.info("host {} is {}", verdict.host(), verdict.live() ? "live again" : "dead (no heartbeat)");
                sink.submit(PoolCommand.of(verdict)).whenComplete((r, e) -> verdictsInFlight.remove(verdict.host()));
            }
        }
    }
}
