package io.poolkeeper.ha;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.core.PoolState;
import java.util.List;
import java.util.Objects;

/**
 * What the HA loop reads of its member at one tick.
 *
 * @param state the member's copy of the pool (committed state)
 * @param inGroup whether the member takes part in its generation's Raft group (not fenced, stale or standalone)
 * @param master whether it is the master (Raft leader that recorded itself)
 * @param voters the voters of its Raft configuration
 * @param peers every host of its Raft configuration, listeners included
 * @param logTerm the term of its last log entry
 * @param logIndex the index of its last log entry
 */
public record HaView(
        PoolState state,
        boolean inGroup,
        boolean master,
        List<HostId> voters,
        List<HostId> peers,
        long logTerm,
        long logIndex) {

    public HaView {
        Objects.requireNonNull(state, "state");
        voters = List.copyOf(voters);
        peers = List.copyOf(peers);
    }
}
