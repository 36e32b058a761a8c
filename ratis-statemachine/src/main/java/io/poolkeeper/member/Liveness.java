package io.poolkeeper.member;

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
 * its last heartbeat, or from when this leadership first saw it live if none came since (a new master starts every clock
 * afresh) — is to be marked dead; a host that said goodbye is dead at once. A dead host is to be marked live only
 * on a heartbeat actually received, never because a clock was restarted. Times are the member's {@code Scheduler}
 * nanoseconds.
 *
 * <p>Thread-safe. Runtime-only: verdicts become replicated only once the master commits them.
 */
final class Liveness {
    private final long deadAfterNanos;
    private final Map<HostId, Long> heard = new ConcurrentHashMap<>();
    private final Set<HostId> saidGoodbye = ConcurrentHashMap.newKeySet();
    /** When this leadership first saw each host live: its clock starts there (a host that just joined included). */
    private final Map<HostId, Long> firstSeen = new ConcurrentHashMap<>();
    /** When this leadership first saw each host not live. */
    private final Map<HostId, Long> notLiveSince = new ConcurrentHashMap<>();

    Liveness(Duration hostDeadAfter) {
        this.deadAfterNanos = hostDeadAfter.toNanos();
    }

    /** A new leadership: every clock starts now; heartbeats received under an earlier one do not count. */
    void restart() {
        firstSeen.clear();
        notLiveSince.clear();
        heard.clear();
        saidGoodbye.clear();
    }

    void heard(HostId host, long now) {
        heard.put(host, now);
        saidGoodbye.remove(host);
    }

    /**
     * HA declared the host fenced: heartbeats heard before do not make it live again; only a new one does (it comes
     * back through re-admission).
     */
    void forget(HostId host) {
        heard.remove(host);
        firstSeen.remove(host);
    }

    /** A clean shutdown: dead now, not after the timeout. */
    void shutDown(HostId host) {
        heard.remove(host);
        saidGoodbye.add(host);
    }

    /**
     * The {@code HostSetLive} commands that bring the state in line with the clocks, in host order. With
     * {@code haOwnsDeaths} (pool HA on), only a clean shutdown makes a host dead here; silence is HA's to judge.
     */
    List<Operation.HostSetLive> verdicts(PoolState state, HostId self, long now, boolean haOwnsDeaths) {
        List<Operation.HostSetLive> out = new ArrayList<>();
        for (Host host : state.hosts().values()) {
            if (host.uuid().equals(self)) {
                continue;
            }
            Long last = heard.get(host.uuid());
            if (host.live()) {
                long start = firstSeen.computeIfAbsent(host.uuid(), h -> now);
                long from = last == null ? start : Math.max(last, start);
                if (saidGoodbye.contains(host.uuid()) || (!haOwnsDeaths && now - from >= deadAfterNanos)) {
                    out.add(new Operation.HostSetLive(host.uuid(), false));
                }
            } else {
                // With HA, a host declared fenced comes back on a heartbeat sent after this master saw it dead, never
                // on one from before the cut (its re-admission brings a new one).
                long seenDead = notLiveSince.computeIfAbsent(host.uuid(), h -> now);
                boolean fresh = last != null && now - last < deadAfterNanos && (!haOwnsDeaths || last > seenDead);
                if (fresh) {
                    firstSeen.remove(host.uuid());
                    out.add(new Operation.HostSetLive(host.uuid(), true));
                }
            }
            if (host.live()) {
                notLiveSince.remove(host.uuid());
            }
        }
        return out;
    }
}
