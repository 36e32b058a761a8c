package io.poolkeeper.core;

import java.util.Objects;

/**
 * A member's copy of the pool as of some point of its log: what reads, snapshots and the runtime's duties look at.
 *
 * @param state the pool state
 * @param logIndex the last log index that changed it (or was applied)
 * @param sequence the number of pool commands applied so far, a resend answered as before not counted: the event
 *     token of the last one
 */
public record AppliedState(PoolState state, long logIndex, long sequence) {
    public AppliedState {
        Objects.requireNonNull(state, "state");
    }

    /** Nothing applied: no pool. */
    public static AppliedState empty() {
        return new AppliedState(PoolState.empty(), 0, 0);
    }
}
