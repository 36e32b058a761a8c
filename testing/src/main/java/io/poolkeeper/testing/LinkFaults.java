package io.poolkeeper.testing;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.port.LinkFilter;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Directed network faults between pool members, for cluster tests: a cut link {@code from -> to} drops every Raft
 * message and every member-to-member PoolService call that {@code from} sends to {@code to}, over real gRPC (the
 * receiving member's server interceptors consult this {@link LinkFilter}: give it to each member with {@code
 * MemberBuilder.linkFilter}). Links are healed individually or all at once.
 *
 * <p>Thread-safe. One instance is shared by the members of a test pool; production members have none.
 */
public final class LinkFaults implements LinkFilter {
    private record Link(String from, String to) {}

    private final Set<Link> cut = ConcurrentHashMap.newKeySet();

    /** Drops what {@code from} sends to {@code to}. */
    public void cut(HostId from, HostId to) {
        cut.add(new Link(from.toString(), to.toString()));
    }

    /** Cuts both directions between two hosts. */
    public void cutBoth(HostId a, HostId b) {
        cut(a, b);
        cut(b, a);
    }

    /** Cuts a host off from every other host of {@code all}, both directions. */
    public void isolate(HostId host, Iterable<HostId> all) {
        for (HostId other : all) {
            if (!other.equals(host)) {
                cutBoth(host, other);
            }
        }
    }

    public void heal(HostId from, HostId to) {
        cut.remove(new Link(from.toString(), to.toString()));
    }

    public void healAll() {
        cut.clear();
    }

    /** Whether a message from {@code from} (a host uuid, possibly empty when unknown) to {@code to} is dropped. */
    @Override
    public boolean blocked(String from, String to) {
        return !from.isEmpty() && cut.contains(new Link(from, to));
    }
}
