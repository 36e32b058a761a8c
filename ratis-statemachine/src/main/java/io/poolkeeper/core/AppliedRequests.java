package io.poolkeeper.core;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * The window of recently applied request ids and their results, so that a retried command (a client that lost
 * the answer, a CLI re-run) is applied once and gets the first result again. Bounded: the oldest entries (by the
 * {@link ApplyContext#sequence} that applied them) leave first, deterministically on every replica.
 *
 * @param byId the results by request id
 * @param byIndex the request ids by the sequence that applied them, for eviction in log order
 * @param capacity the most entries kept
 */
public record AppliedRequests(TreePMap<String, Entry> byId, TreePMap<Long, String> byIndex, int capacity) {

    /** The default window: enough for minutes of retries at full write rate, small in a snapshot. */
    public static final int DEFAULT_CAPACITY = 10_000;

    /**
     * One remembered request.
     *
     * @param logIndex the sequence that applied it (negative: imported from an earlier generation's log)
     * @param result what it returned
     */
    public record Entry(long logIndex, Result result) {
        public Entry {
            Objects.requireNonNull(result, "result");
        }
    }

    public AppliedRequests {
        Objects.requireNonNull(byId, "byId");
        Objects.requireNonNull(byIndex, "byIndex");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity < 1");
        }
    }

    public static AppliedRequests empty() {
        return new AppliedRequests(TreePMap.empty(), TreePMap.empty(), DEFAULT_CAPACITY);
    }

    /** The result the request id was applied with, if it is still in the window. */
    public Optional<Entry> find(String requestId) {
        return Optional.ofNullable(byId.get(requestId));
    }

    /** This window with the request added, and the oldest evicted beyond capacity. */
    public AppliedRequests plus(String requestId, long logIndex, Result result) {
        TreePMap<String, Entry> ids = byId.plus(requestId, new Entry(logIndex, result));
        TreePMap<Long, String> indexes = byIndex.plus(logIndex, requestId);
        while (indexes.size() > capacity) {
            ids = ids.minus(indexes.firstEntry().getValue());
            indexes = indexes.minusFirstEntry();
        }
        return new AppliedRequests(ids, indexes, capacity);
    }

    /**
     * This window with the same entries in the same order, renumbered to end at -1. A pool re-founded on a new Raft
     * group (DESIGN §5) numbers its commands from the start again: under their old, higher numbers the imported
     * entries would outlive the new requests (each evicted first, as the lowest) or collide with them.
     */
    public AppliedRequests renumberedBeforeZero() {
        TreePMap<String, Entry> ids = byId;
        TreePMap<Long, String> indexes = TreePMap.empty();
        long index = -byIndex.size();
        for (Map.Entry<Long, String> oldest : byIndex.entrySet()) {
            String requestId = oldest.getValue();
            ids = ids.plus(requestId, new Entry(index, byId.get(requestId).result()));
            indexes = indexes.plus(index, requestId);
            index++;
        }
        return new AppliedRequests(ids, indexes, capacity);
    }
}
