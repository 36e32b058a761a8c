package io.poolkeeper.member;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.port.Heartbeat;
import io.poolkeeper.port.PeerLink;
import io.poolkeeper.ratis.RaftGroups;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slave's heartbeats to the master (DESIGN §4), and the goodbye heartbeat of a clean shutdown. The master's answer
 * may say that the pool moved on to a newer generation, or that this host is no longer in the pool.
 *
 * <p>Thread-safe.
 */
final class SlaveHeartbeats {
    private static final Logger LOG = LoggerFactory.getLogger(SlaveHeartbeats.class);

    private final HostId self;
    private final PeerLink peers;
    private final RaftGroups groups;
    private final Supplier<PoolState> state;
    private final Duration interval;
    private final LongConsumer generationSeen;
    private final Runnable notInPool;

    SlaveHeartbeats(
            HostId self,
            PeerLink peers,
            RaftGroups groups,
            Supplier<PoolState> state,
            Duration interval,
            LongConsumer generationSeen,
            Runnable notInPool) {
        this.self = self;
        this.peers = peers;
        this.groups = groups;
        this.state = state;
        this.interval = interval;
        this.generationSeen = generationSeen;
        this.notInPool = notInPool;
    }

    /** The last heartbeat sent, so a goodbye never overtakes it. */
    private volatile CompletableFuture<?> lastBeat = CompletableFuture.completedFuture(null);

    void beat() {
        send(false, interval)
                .ifPresent(reply -> lastBeat = reply.whenComplete((answer, e) -> {
                    if (answer == null) {
                        return;
                    }
                    long mine = generation();
                    if (answer.generation() > mine) {
                        generationSeen.accept(answer.generation());
                    } else if (!answer.known() && answer.generation() == mine) {
                        notInPool.run();
                    }
                }));
    }

    /**
     * A clean shutdown: tells the master, so it marks this host dead at once; waits at most {@code wait}. Call once
     * no more {@link #beat}s can start: an ordinary heartbeat that reached the master after the goodbye would make
     * the host live again, so the goodbye is sent only once the last one was answered.
     */
    void goodbye(Duration wait) {
        try {
            lastBeat.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.debug("last heartbeat: {}", e.toString());
        }
        send(true, wait).ifPresent(reply -> {
            try {
                reply.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.debug("goodbye heartbeat failed: {}", e.toString());
            }
        });
    }

    private Optional<CompletableFuture<Heartbeat.Answer>> send(boolean shuttingDown, Duration deadline) {
        Optional<String> master = groups.leaderId()
                .filter(id -> !id.equals(self))
                .map(id -> state.get().hosts().get(id))
                .map(Host::address);
        return master.map(address -> peers.heartbeat(
                address, new Heartbeat(self.toString(), poolUuid(), generation(), shuttingDown), deadline));
    }

    private String poolUuid() {
        return state.get().pool().map(p -> p.uuid().toString()).orElse("");
    }

    private long generation() {
        return state.get().pool().map(p -> p.generation()).orElse(0L);
    }
}
