package io.poolkeeper.ratis;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;

/**
 * Ratis's file-per-snapshot storage, looking over its directory for snapshots past retention only when a snapshot
 * was written, installed or loaded since it last looked.
 *
 * <p>Ratis cleans up after every snapshot it asks for, and it asks on every applied entry until it is told of a new
 * one; {@link SnapshotWriter} tells it only once one is written, which can be tens of thousands of entries later. Each
 * cleanup lists the directory and reads every snapshot's digest file: measured under one synchronous writer, that
 * was a third of a follower's apply thread (docs/BENCHMARKS.md, session 14). Nothing in the directory changes
 * without a new latest snapshot, so nothing is missed by skipping those. Thread-safe.
 */
final class PoolSnapshotStorage extends SimpleStateMachineStorage {
    /** Whether a snapshot appeared since the last cleanup; true at first, for what an earlier run left. */
    private final AtomicBoolean changed = new AtomicBoolean(true);

    @Override
    public SingleFileSnapshotInfo updateLatestSnapshot(SingleFileSnapshotInfo info) {
        // Called for every snapshot written here, and when one is loaded (at start, after an install).
        changed.set(true);
        return super.updateLatestSnapshot(info);
    }

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
        if (!changed.getAndSet(false)) {
            return;
        }
        try {
            super.cleanupOldSnapshots(policy);
        } catch (IOException | RuntimeException e) {
            changed.set(true); // looked at again next time
            throw e;
        }
    }
}
