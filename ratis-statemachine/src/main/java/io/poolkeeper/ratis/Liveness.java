package io.poolkeeper.ratis;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The master's heartbeat clocks (DESIGN §4): a host not heard from for {@code host-dead-after} is to be marked dead,
 * a dead host heard from again is to be marked live. A new master starts every host's clock afresh; a host that
 * shut down cleanly is dead at once. Times are {@link System#nanoTime}.
 *
 * <p>Thread-safe. Runtime-only: verdicts become replicated only once the master commits them.
 */
final class Liveness {
    private final long deadAfterNanos;
    private final Map<HostId, Long> lastHeard = new ConcurrentHashMap<>();

    Liveness(Duration hostDeadAfter) {
        this.deadAfterNanos = hostDeadAfter.toNanos();
    }

    /**
     * A new master: every live host gets a full {@code host-dead-after} from its first look; a dead one stays dead
     * until it heartbeats.
     */
    void restart() {
        lastHeard.clear();
    }

    void heard(HostId host, long now) {
        lastHeard.put(host, now);
    }

    /** A clean shutdown: dead now, not after the timeout. */
    void shutDown(HostId host, long now) {
        lastHeard.put(host, now - deadAfterNanos - 1);
    }

    /** The {@code HostSetLive} commands that bring the state in line with the clocks, in host order. */
    List<Operation.HostSetLive> verdicts(PoolState state, HostId self, long now) {
        List<Operation.HostSetLive> out = new ArrayList<>();
        lastHeard.keySet().removeIf(host -> !state.hosts().containsKey(host));
        for (Host host : state.hosts().values()) {
            if (host.uuid().equals(self)) {
                continue;
            }
            long last = lastHeard.computeIfAbsent(host.uuid(), h -> host.live() ? now : now - deadAfterNanos - 1);
            boolean heardRecently = now - last < deadAfterNanos;
            if (host.live() != heardRecently) {
                out.add(new Operation.HostSetLive(host.uuid(), heardRecently));
            }
        }
        return out;
    }
}
