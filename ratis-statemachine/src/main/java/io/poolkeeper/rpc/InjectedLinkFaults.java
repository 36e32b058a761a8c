package io.poolkeeper.rpc;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.port.LinkFilter;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cables of one member process, pulled and plugged from outside through {@code InjectLinkFault} (test-only, a
 * member started with {@code --allow-fault-injection}): the hosts whose messages this member drops on arrival, every
 * member-to-member PoolService call and every Raft message alike. Pulling host X's cable across processes is then
 * "X drops what every other host sends, every other host drops what X sends"; a one-way cut A -> B is "B drops what
 * A sends". Only this member's servers consult it, so the receiver of every message it sees is this member.
 *
 * <p>Thread-safe: {@link #blocked} is called on every received message and reads an immutable set without locking;
 * changes replace that set under this object's lock, so each change returns the set it produced.
 */
public final class InjectedLinkFaults implements LinkFilter {
    private static final Logger LOG = LoggerFactory.getLogger(InjectedLinkFaults.class);

    private final HostId self;
    /** Host uuids, as senders name themselves ({@link HostId#toString()}). */
    private volatile Set<String> blockedFrom = Set.of();

    /** A filter of the member of {@code self}, dropping nothing yet. */
    public InjectedLinkFaults(HostId self) {
        this.self = self;
        LOG.warn("member {}: fault injection allowed (test-only): InjectLinkFault calls may cut its links", self);
    }

    /** Drops what {@code hosts} send from now on; returns every host dropped now. */
    public synchronized List<HostId> cut(Collection<HostId> hosts) {
        Set<String> next = new HashSet<>(blockedFrom);
        hosts.forEach(h -> next.add(h.toString()));
        return replace(next, "cut");
    }

    /** Hears {@code hosts} again; returns every host still dropped. */
    public synchronized List<HostId> heal(Collection<HostId> hosts) {
        Set<String> next = new HashSet<>(blockedFrom);
        hosts.forEach(h -> next.remove(h.toString()));
        return replace(next, "heal");
    }

    /** Hears every host again. */
    public synchronized List<HostId> healAll() {
        return replace(Set.of(), "heal all");
    }

    /** The hosts dropped now, in uuid order. */
    public List<HostId> blockedFrom() {
        return sorted(blockedFrom);
    }

    @Override
    public boolean blocked(String from, String to) {
        return !from.isEmpty() && blockedFrom.contains(from);
    }

    private List<HostId> replace(Set<String> next, String why) {
        if (!next.equals(blockedFrom)) {
            // One line per change: a member that mysteriously loses its master must say it was told to.
            LOG.warn(
                    "member {}: fault injection ({}): now dropping every message from {}",
                    self,
                    why,
                    next.isEmpty() ? "no host" : sorted(next));
        }
        blockedFrom = Set.copyOf(next);
        return sorted(blockedFrom);
    }

    private static List<HostId> sorted(Set<String> uuids) {
        return uuids.stream().sorted(Comparator.naturalOrder()).map(HostId::of).toList();
    }
}
