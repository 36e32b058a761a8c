package io.poolkeeper.testing;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.port.LinkFilter;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Directed network faults between pool members, for cluster tests: a cut link {@code from -> to} drops every Raft
 * message and every member-to-member PoolService call that {@code from} sends to {@code to}, over real gRPC (the
 * receiving member's server interceptors consult this {@link LinkFilter}: give it to each member with {@code
 * MemberBuilder.linkFilter}); a cut PoolService call is refused at once, or with {@link #cutSilently} never answered.
 * Links are healed individually or all at once.
 *
 * <p>Thread-safe. One instance is shared by the members of a test pool; production members have none.
 */
public final class LinkFaults implements LinkFilter {
    private record Link(String from, String to) {}

    private final Set<Link> cut = ConcurrentHashMap.newKeySet();
    private final Set<Link> silent = ConcurrentHashMap.newKeySet();

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

    /**
     * Cuts both directions between two hosts as a pulled cable does: a PoolService call over the link is never
     * answered, and its caller waits out its deadline (see {@link LinkFilter#silent}).
     */
    public void cutSilently(HostId a, HostId b) {
        silent.add(new Link(a.toString(), b.toString()));
        silent.add(new Link(b.toString(), a.toString()));
        cutBoth(a, b);
    }

    public void heal(HostId from, HostId to) {
        Link link = new Link(from.toString(), to.toString());
        cut.remove(link);
        silent.remove(link);
    }

    public void healAll() {
        cut.clear();
        silent.clear();
    }

    /** Whether a message from {@code from} (a host uuid, possibly empty when unknown) to {@code to} is dropped. */
    @Override
    public boolean blocked(String from, String to) {
        return !from.isEmpty() && cut.contains(new Link(from, to));
    }

    @Override
    public boolean silent(String from, String to) {
        return silent.contains(new Link(from, to));
    }
}
