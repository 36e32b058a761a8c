package io.poolkeeper.port;

/**
 * Which member-to-member messages a member's servers drop: the seam through which tests (and embedders' own failure
 * tests) pull a cable between members without root. Production members have none. Hosts are named by uuid; an
 * empty sender (not known) is never dropped.
 *
 * <p>Implementations are thread-safe and fast: they are consulted on every received message.
 */
@FunctionalInterface
public interface LinkFilter {
    /** Whether a message that {@code from} sends to {@code to} is dropped. */
    boolean blocked(String from, String to);

    /**
     * Whether a member-to-member PoolService call that {@code from} sends to {@code to}, when dropped, goes unanswered
     * (a pulled cable, a powered-off host: the caller waits out its own deadline) rather than refused at once (a host
     * whose process is gone). Raft messages that are dropped are always refused. None, unless a filter says so.
     */
    default boolean silent(String from, String to) {
        return false;
    }

    /**
     * A filter that drops what either this one or {@code other} drops: a member given a test's shared filter and
     * allowed fault injection honours both.
     */
    default LinkFilter or(LinkFilter other) {
        LinkFilter first = this;
        return new LinkFilter() {
            @Override
            public boolean blocked(String from, String to) {
                return first.blocked(from, to) || other.blocked(from, to);
            }

            @Override
            public boolean silent(String from, String to) {
                return first.silent(from, to) || other.silent(from, to);
            }
        };
    }
}
