package io.poolkeeper.metrics;

import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.ha.HaMonitor;
import io.poolkeeper.ratis.RaftGroups;
import java.util.Optional;

/**
 * What the gauges of {@link MemberMetrics} read, on the scraping thread: each call must be cheap and must not block
 * on the member's locks for long (a scrape every few seconds).
 */
public interface MemberProbe {
    /** The member's role now. */
    MemberRole role();

    /** Raft's term and indexes of the member's current group; empty when in no group. */
    Optional<RaftGroups.Progress> raft();

    /** The member's latest applied state. */
    AppliedState applied();

    /** Pool HA as of its last tick. */
    HaMonitor.Status ha();
}
