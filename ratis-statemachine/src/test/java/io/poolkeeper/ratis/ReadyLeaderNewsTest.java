package io.poolkeeper.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ReadyLeaderNews}: when the news of another host's leadership is passed on. */
@Timeout(10)
class ReadyLeaderNewsTest {
    private static final RaftGroupId GROUP = RaftGroupId.valueOf(UUID.nameUUIDFromBytes(new byte[] {1}));
    private static final RaftPeerId OLD = RaftPeerId.valueOf("old");
    private static final RaftPeerId NEW = RaftPeerId.valueOf("new");

    private final List<RaftPeerId> told = new CopyOnWriteArrayList<>();
    private final AtomicLong appliedTerm = new AtomicLong(7);
    private final ReadyLeaderNews news = new ReadyLeaderNews((group, leader) -> told.add(leader), appliedTerm::get);

    @Test
    void aNewLeaderIsPassedOnOnceAnEntryOfItsTermIsApplied() {
        news.leaderChanged(GROUP, NEW, 8);
        assertEquals(List.of(), told, "passed on while the leader still refuses writes as not ready");
        news.applied(7);
        assertEquals(List.of(), told, "an entry of the old term says nothing about the new leader");
        news.applied(8);
        assertEquals(List.of(NEW), told);
        news.applied(8);
        assertEquals(List.of(NEW), told, "passed on once");
    }

    @Test
    void aLeaderOfATermAlreadyAppliedIsPassedOnAtOnce() {
        // A member restarting under the same leader: no new entry of that term may come for a while.
        news.leaderChanged(GROUP, OLD, 7);
        assertEquals(List.of(OLD), told);
    }

    @Test
    void anEntryAppliedBetweenTheNewsAndItsRecordingStillPassesItOn() {
        // The apply thread applied the term's first entry before the news was recorded: no later apply is due.
        appliedTerm.set(8);
        news.leaderChanged(GROUP, NEW, 8);
        assertEquals(List.of(NEW), told);
    }

    @Test
    void thisMembersOwnElectionDropsANewsNotPassedOnYet() {
        news.leaderChanged(GROUP, OLD, 8);
        news.selfElected();
        news.applied(9);
        assertEquals(List.of(), told, "this member leads term 9: its client must not be aimed at another host");
    }

    @Test
    void aLaterNewsReplacesOneNotPassedOnYet() {
        news.leaderChanged(GROUP, OLD, 8);
        news.leaderChanged(GROUP, NEW, 9);
        news.applied(8);
        assertEquals(List.of(), told, "term 8's leader is no longer the news");
        news.applied(9);
        assertEquals(List.of(NEW), told);
    }
}
