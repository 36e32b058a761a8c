package io.poolkeeper.ratis;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Passes on the news of another host's leadership once that leader can take writes: when this member has applied an
 * entry of the leader's term, which a new leader commits first, before it is ready. Passed on at once, the news made
 * the member's Raft client send what it held to a leader that refused it as not ready; Ratis's client then closed its
 * stream to that leader and tried the other peers, the dead old leader among them, before coming back (150–250 ms of
 * a slave's first write after a failover, docs/BENCHMARKS.md, session 19).
 *
 * <p>News of a leader whose term this member has applied entries of already (a member restarting under the same
 * leader) is passed on at once. Thread-safe: news comes on Raft server threads, applied terms on the apply thread.
 */
final class ReadyLeaderNews {
    private record Pending(RaftGroupId group, RaftPeerId leader, long term) {}

    private final BiConsumer<RaftGroupId, RaftPeerId> tell;
    private final LongSupplier appliedTerm;
    private final AtomicReference<Pending> pending = new AtomicReference<>();

    /**
     * @param tell what the news is passed on to, on the thread that completes it; must return at once
     * @param appliedTerm the term of the last entry this member applied
     */
    ReadyLeaderNews(BiConsumer<RaftGroupId, RaftPeerId> tell, LongSupplier appliedTerm) {
        this.tell = tell;
        this.appliedTerm = appliedTerm;
    }

    /** {@code leader} leads {@code group} in {@code term}; a later news replaces one not yet passed on. */
    void leaderChanged(RaftGroupId group, RaftPeerId leader, long term) {
        pending.set(new Pending(group, leader, term));
        // Also when the entry was applied between the news and now: no later apply may come to pass it on.
        applied(appliedTerm.getAsLong());
    }

    /** This member was elected: a news of another leader not passed on yet is out of date. */
    void selfElected() {
        pending.set(null);
    }

    /** This member applied an entry of {@code term}. */
    void applied(long term) {
        Pending p = pending.get();
        if (p != null && term >= p.term() && pending.compareAndSet(p, null)) {
            tell.accept(p.group(), p.leader());
        }
    }
}
