package io.poolkeeper.ratis;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The master's heartbeat clocks (DESIGN §4). A live host not heard from for {@code host-dead-after} — counted from
 * its last heartbeat, or from the start of this leadership if none came since (a new master starts every clock
 * afresh) — is to be marked dead; a host that said goodbye is dead at once. A dead host is to be marked live only
 * on a heartbeat actually received, never because a clock was restarted. Times are {@link System#nanoTime}.
 *
 * <p>Thread-safe. Runtime-only: verdicts become replicated only once the master commits them.
 */
final class Liveness {
    private final long deadAfterNanos;
    private final Map<HostId, Long> heard = new ConcurrentHashMap<>();
    private final Set<HostId> saidGoodbye = ConcurrentHashMap.newKeySet();
    private volatile long since;

    Liveness(Duration hostDeadAfter) {
        this.deadAfterNanos = hostDeadAfter.toNanos();
    }

    /** A new leadership: every clock starts now; heartbeats received under an earlier one do not count. */
    void restart(long now) {
        since = now;
        heard.clear();
        saidGoodbye.clear();
    }

    void heard(HostId host, long now) {
        heard.put(host, now);
        saidGoodbye.remove(host);
    }

    /** A clean shutdown: dead now, not after the timeout. */
    void shutDown(HostId host) {
        heard.remove(host);
        saidGoodbye.add(host);
    }

    /** The {@code HostSetLive} commands that bring the state in line with the clocks, in host order. */
    List<Operation.HostSetLive> verdicts(PoolState state, HostId self, long now) {
        List<Operation.HostSetLive> out = new ArrayList<>();
        for (Host host : state.hosts().values()) {
            if (host.uuid().equals(self)) {
                continue;
            }
            Long last = heard.get(host.uuid());
            if (host.live()) {
                long from = last == null ? since : Math.max(last, since);
                if (saidGoodbye.contains(host.uuid()) || now - from >= deadAfterNanos) {
                    out.add(new Operation.HostSetLive(host.uuid(), false));
                }
            } else if (last != null && now - last < deadAfterNanos) {
                out.add(new Operation.HostSetLive(host.uuid(), true));
            }
        }
        return out;
    }
}
