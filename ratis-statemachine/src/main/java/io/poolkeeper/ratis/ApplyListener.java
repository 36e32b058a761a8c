package io.poolkeeper.ratis;

import io.poolkeeper.core.AppliedState;
import java.io.IOException;
import java.util.List;

/**
 * What a member learns from its {@link PoolStateMachine}: every applied batch, leadership news, wholesale reloads.
 * Every method runs on a Ratis thread (the apply thread unless said otherwise): it must be quick and must not call
 * back into Ratis.
 */
public interface ApplyListener {
    /** A batch was applied: {@code commands} in log order, {@code after} the state they left. */
    void applied(long logIndex, List<AppliedCommand> commands, AppliedState after);

    /** This member became the leader and its first entry of the term is applied. */
    default void leaderReady() {}

    /** This member stopped being the leader. */
    default void notLeader() {}

    /** This member learned of a new leader of its group (itself or another). */
    default void leaderChanged() {}

    /**
     * This member was just elected leader (on a Raft server thread, after {@link #leaderChanged}): Raft has yet to
     * commit the term's first entry, and refuses writes until {@link #leaderReady}.
     */
    default void elected() {}

    /** The state was replaced wholesale (snapshot installed or loaded). */
    default void reloaded(AppliedState after) {}

    /** The state machine of Raft group {@code groupId} starts, before it loads a snapshot or applies anything. */
    default void opened(String groupId) {}

    /**
     * A snapshot of the state applied so far is about to be written, after which Raft may purge the log entries it
     * covers: whatever is derived from those entries and must outlive them is made durable now.
     */
    default void beforeSnapshot() {}

    /**
     * On the leader, before a write is logged (on a Raft server thread): throws to refuse it (a master of a stale
     * generation), and may wait briefly (a new master still checking that no newer generation exists).
     */
    default void beforeWrite() throws IOException {}
}
