package io.poolkeeper.core;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import io.vavr.collection.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.pcollections.TreePMap;

/**
 * The request window: the ids of applied commands with their results, so that a retried command (a client that lost
 * the answer, a member re-sending after a leader change) is applied once and gets its first result again (DESIGN §8,
 * "Exactly once"). This comment is the one place where how long an id is kept is argued; {@link PoolCommand}, the
 * snapshot codec and the state machine's stamping refer here.
 *
 * <h2>The rule</h2>
 *
 * An id must be kept at least as long as any client may retry it. The longest retry window R is the request timeout:
 * the remote client ({@code GrpcPoolClient}) retries one request across members for its request timeout (10 s by
 * default), an embedded member waits twice its {@code MemberTimeouts.requestTimeout()} (2 × 5 s) for a commit, and the
 * Ratis client's own retries of one call fall inside that wait. So R = 10 s with the defaults. Two bounds evict,
 * oldest first, whichever is reached first:
 *
 * <ul>
 *   <li><b>Age</b> ({@link #horizonMillis}, default {@link #DEFAULT_HORIZON_MILLIS} = 5 min = 30 R): an entry leaves
 *       once pool time (below) is more than the horizon past the pool time it was applied at. The horizon is many R
 *       so that a client configured with a request timeout of a few minutes, or a CLI re-run by hand with the same
 *       id, is still answered, and so that a stamp somewhat ahead of real time costs nothing.
 *   <li><b>Count</b> ({@link #capacity}, default {@link #DEFAULT_CAPACITY} = 250,000): a safety bound on memory and
 *       snapshot size. At the measured full write rate of about 12,500 commands/s (docs/BENCHMARKS.md, 2 cores for
 *       the whole 3-member pool) it holds 20 s of commands, 2 R; below about 830 commands/s the age bound is the one
 *       that evicts. A member that applies more than capacity / R commands per second (25,000/s) would shorten the
 *       retry horizon below R; raise the capacity before making the pool that fast.
 * </ul>
 *
 * Keeping an entry longer than necessary is always safe (a retry is answered, never applied twice); only memory
 * grows, and the count bounds it.
 *
 * <h2>Pool time</h2>
 *
 * Age cannot come from a clock: every replica must evict the same entries at the same command. It is measured in
 * <em>pool time</em>, carried by the log: each command holds the time the master stamped on it before logging it
 * ({@link PoolCommand#issuedAtMillis}). Pool time is the largest stamp remembered so far, and each entry records the
 * pool time it was applied at ({@link Entry#appliedAtMillis}), so entry times never decrease in log order and the
 * oldest entry is always the first one. It is replicated state: the snapshot carries each entry's time, and pool time
 * is that of the newest entry.
 *
 * <ul>
 *   <li><b>A stamp behind pool time</b> (a master whose clock is behind) does not move it: it cannot make an entry
 *       live longer in pool time, and it cannot bring back an evicted one (eviction is final; only a new application
 *       adds an id). Pool time then stands still until stamps pass it again, which keeps entries longer in real
 *       time, never shorter.
 *   <li><b>A stamp ahead of real time by d</b> moves pool time forward by d at once, and every entry then leaves d
 *       early; no more than d, since pool time only ever moves to a stamp that was seen. The horizon tolerates that
 *       while d &lt; horizon − R (4 min 50 s). To keep d at zero in practice, the master does not stamp its wall
 *       clock: {@code PoolStateMachine} stamps the replicated pool time it finds when it starts stamping as leader,
 *       plus the time elapsed since on its <em>monotonic</em> clock ({@code PoolClock}). So neither a master's clock
 *       offset nor a step of its clock ever reaches pool time, only the monotonic clock's rate error (parts per
 *       million). The wall clock is read once, for the first commands of a new pool.
 *   <li><b>No stamp</b> (0: an entry from a version-1 snapshot, which carried no times, or a command logged
 *       without one) is an unknown time. Such an entry counts as applied at the first known pool time after it (the
 *       window restamps them when pool time first becomes known), so an upgrade never evicts them early.
 *   <li>Pool time stands still while no command is remembered, between masters and while the whole pool is down:
 *       again entries are kept longer in real time, never shorter.
 * </ul>
 *
 * <h2>Measured cost at the cap</h2>
 *
 * Measured with a throwaway main over this class and {@code SnapshotCodec} (JDK 17, compressed oops, 36-character
 * UUID request ids, {@code Done} results as most commands return), on the 2-core benchmark machine while it was
 * shared (load 8 to 11, so times are high):
 *
 * <ul>
 *   <li><b>Heap</b>: about 250 bytes an entry (the by-index tree and the by-id trie sharing each entry, the id, its
 *       hashed key, the entry; 225 with two trees), so 62 MB at 250,000 entries against 2.5 MB at 10,000.
 *   <li><b>Snapshot</b>: 55 bytes an entry, so 13.75 MB at the cap against 0.55 MB at 10,000. Encoding it took 0.7 to
 *       1.1 s under that load (43 ms at 10,000), 75 to 160 ms on a quiet machine; a member writes snapshots on a
 *       thread of their own ({@code SnapshotWriter}), and reads do not carry the window ({@code
 *       SnapshotCodec.encode(AppliedState)}). Decoding it (a restart, an installed snapshot) took 1.8 to 2 s under
 *       load, and 0.8 to 1.5 s quiet when both maps were trees built by insertion; 0.57 to 0.79 s now ({@link #of}).
 *   <li><b>Apply</b>: a command looks its id up, adds it and, at the cap, evicts the oldest. With the ids in a
 *       persistent binary tree (PCollections' {@code TreePMap}), those three took 4.3 to 6.6 µs together at 250,000
 *       entries (the tree no longer fits the CPU's caches: each is about 18 cache misses deep) against 0.3 µs for
 *       the by-index tree, whose ends stay cached. In a hash trie (Vavr's {@code HashMap}, about 4 levels) the same
 *       three take 0.9 to 1.6 µs, SipHash aside (session 15, throwaway mains, quiet machine). Through this class,
 *       a lookup and an addition at the cap took 1.7 to 2.1 µs, against 3.7 to 6.8 µs with the tree, on every
 *       member for every command; 0.66 µs of it is hashing the three ids (SipHash, 220 ns each, below).
 * </ul>
 *
 * <h2>Re-founded pools</h2>
 *
 * A pool re-founded on a new Raft group (DESIGN §5) carries its window in the import command, renumbered to end
 * before the new log's first command ({@link #renumberedBeforeZero}) with its times kept, and stamped with the
 * imported pool time so the new group's clock goes on from it. A log entry can hold at most 4 MB (Ratis'
 * {@code log.appender.buffer.byte-limit}), so the import carries only the newest {@link #IMPORT_LIMIT} ids ({@link
 * #newest}; about 0.55 MB): a forced transition comes at least {@code emergencyAfter} (60 s by default), or with HA
 * the fence deadline, after the master was lost, far past R, so no client is still retrying the older ids.
 *
 * <p>Immutable and deterministic: the same calls give equal windows on every replica. Two persistent maps hold the
 * same {@link Entry} objects: by index, a tree whose ends hold the oldest and newest entries, so eviction and pool time
 * cost no lookup by id, and which is what snapshots carry and windows compare by; and by id, a hash trie for the lookup
 * every command makes. The ids' hashes are SipHash, not {@link String#hashCode}: request ids are chosen by clients, and
 * ids made to collide would turn the trie's lookups into list scans on every member's apply thread. Ids colliding under
 * {@code String.hashCode} are written down at will ("Aa", "BB"); under SipHash, whose key here is fixed and public (it
 * must be the same on every replica), each further colliding id takes a search of about 2^32 hashes.
 */
public final class AppliedRequests {

    /** The default count cap; see the class comment for why and what it costs. */
    public static final int DEFAULT_CAPACITY = 250_000;

    /** The default age horizon, 5 minutes: 30 times the default client retry window of 10 s. */
    public static final long DEFAULT_HORIZON_MILLIS = 5 * 60 * 1000L;

    /** The most entries a pool import carries: what fits in one log entry with room for the pool's objects. */
    public static final int IMPORT_LIMIT = 10_000;

    private static final HashFunction ID_HASH = Hashing.sipHash24();

    private final HashMap<Id, Entry> byId;
    private final TreePMap<Long, Entry> byIndex;
    private final int capacity;
    private final long horizonMillis;

    /**
     * One remembered request.
     *
     * @param requestId its request id
     * @param logIndex the sequence that applied it (negative: imported from an earlier generation's log)
     * @param appliedAtMillis the pool time it was applied at; 0 if unknown
     * @param result what it returned
     */
    public record Entry(String requestId, long logIndex, long appliedAtMillis, Result result) {
        public Entry {
            Objects.requireNonNull(requestId, "requestId");
            Objects.requireNonNull(result, "result");
            if (appliedAtMillis < 0) {
                throw new IllegalArgumentException("appliedAtMillis < 0");
            }
        }

        Entry at(long index, long millis) {
            return new Entry(requestId, index, millis, result);
        }
    }

    /** A request id as a key of the by-id trie: hashed with SipHash (see the class comment), once. */
    private static final class Id {
        private final String value;
        private final int hash;

        Id(String value) {
            this.value = value;
            this.hash = ID_HASH.hashUnencodedChars(value).asInt();
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Id id && hash == id.hash && value.equals(id.value);
        }
    }

    private AppliedRequests(HashMap<Id, Entry> byId, TreePMap<Long, Entry> byIndex, int capacity, long horizonMillis) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity < 1");
        }
        if (horizonMillis < 1) {
            throw new IllegalArgumentException("horizonMillis < 1");
        }
        this.byId = byId;
        this.byIndex = byIndex;
        this.capacity = capacity;
        this.horizonMillis = horizonMillis;
    }

    /** An empty window with the default bounds. */
    public static AppliedRequests empty() {
        return empty(DEFAULT_CAPACITY, DEFAULT_HORIZON_MILLIS);
    }

    /** An empty window with the given bounds. */
    public static AppliedRequests empty(int capacity, long horizonMillis) {
        return new AppliedRequests(HashMap.empty(), TreePMap.empty(), capacity, horizonMillis);
    }

    /**
     * A window holding {@code entries}, oldest first, as they were (a snapshot's): nothing evicted, nothing restamped.
     *
     * @throws IllegalArgumentException when two entries have the same request id or log index, or the log indexes do
     *     not increase
     */
    public static AppliedRequests of(List<Entry> entries, int capacity, long horizonMillis) {
        HashMap<Id, Entry> ids = HashMap.empty();
        java.util.TreeMap<Long, Entry> indexes = new java.util.TreeMap<>();
        for (Entry entry : entries) {
            if (!indexes.isEmpty() && entry.logIndex() <= indexes.lastKey()) {
                throw new IllegalArgumentException(
                        "log_index " + entry.logIndex() + " after " + indexes.lastKey() + ", not oldest first");
            }
            int before = ids.size();
            // One walk of the trie: a put that leaves the size as it was replaced an entry of the same id.
            ids = ids.put(new Id(entry.requestId()), entry);
            if (ids.size() == before) {
                throw new IllegalArgumentException("request_id '" + entry.requestId() + "' twice");
            }
            indexes.put(entry.logIndex(), entry);
        }
        // Built from sorted entries in one pass rather than by as many path-copying insertions.
        return new AppliedRequests(ids, TreePMap.fromSortedMap(indexes), capacity, horizonMillis);
    }

    /** The entries by the command sequence that applied them (negative: imported from an earlier generation's log). */
    public TreePMap<Long, Entry> byIndex() {
        return byIndex;
    }

    /** The most entries kept. */
    public int capacity() {
        return capacity;
    }

    /** How much pool time an entry is kept for, at least. */
    public long horizonMillis() {
        return horizonMillis;
    }

    /** The result the request id was applied with, if it is still in the window. */
    public Optional<Entry> find(String requestId) {
        return byId.get(new Id(requestId)).toJavaOptional();
    }

    /** The number of entries. */
    public int size() {
        return byIndex.size();
    }

    /** Pool time: the time of the newest entry, the largest stamp remembered so far; 0 while unknown. */
    public long poolTimeMillis() {
        return byIndex.isEmpty() ? 0 : byIndex.lastEntry().getValue().appliedAtMillis();
    }

    /**
     * This window with the request added, applied as command {@code sequence} stamped {@code issuedAtMillis} (0 or
     * less: no stamp), then evicted oldest first to its bounds: over capacity, or older than the horizon in the new
     * pool time. The request just added is never evicted.
     */
    public AppliedRequests plus(String requestId, long sequence, long issuedAtMillis, Result result) {
        long known = poolTimeMillis();
        long now = Math.max(known, issuedAtMillis);
        AppliedRequests window = known == 0 && now > 0 ? restamped(now) : this;
        HashMap<Id, Entry> ids = window.byId;
        TreePMap<Long, Entry> indexes = window.byIndex;
        Id id = new Id(requestId);
        Entry added = new Entry(requestId, sequence, now, result);
        HashMap<Id, Entry> withAdded = ids.put(id, added);
        if (withAdded.size() == ids.size()) {
            // The id was there already (the rules look it up first, so only a direct caller gets here).
            indexes = indexes.minus(ids.get(id).get().logIndex());
        }
        ids = withAdded;
        indexes = indexes.plus(sequence, added);
        while (indexes.size() > capacity || isExpired(indexes.firstEntry().getValue(), now)) {
            ids = ids.remove(new Id(indexes.firstEntry().getValue().requestId()));
            indexes = indexes.minusFirstEntry();
        }
        return new AppliedRequests(ids, indexes, capacity, horizonMillis);
    }

    private boolean isExpired(Entry entry, long now) {
        // Both times are 0 or more, so the difference cannot overflow.
        return now - entry.appliedAtMillis() > horizonMillis;
    }

    /**
     * Entries without a time (a version-1 snapshot; all of them, since times never decrease) given {@code now}: they
     * are at least as old, but nothing says how much older, and evicting them early could apply a retry twice.
     */
    private AppliedRequests restamped(long now) {
        return of(
                byIndex.values().stream()
                        .map(entry -> entry.at(entry.logIndex(), now))
                        .toList(),
                capacity,
                horizonMillis);
    }

    /**
     * This window with the same entries, times and order, renumbered to end at -1. A pool re-founded on a new Raft
     * group (DESIGN §5) numbers its commands from the start again: under their old, higher numbers the imported
     * entries would outlive the new requests (each evicted first, as the lowest) or collide with them.
     */
    public AppliedRequests renumberedBeforeZero() {
        long first = -byIndex.size();
        List<Entry> renumbered = new java.util.ArrayList<>(byIndex.size());
        for (Entry entry : byIndex.values()) {
            renumbered.add(entry.at(first + renumbered.size(), entry.appliedAtMillis()));
        }
        return of(renumbered, capacity, horizonMillis);
    }

    /** This window with only its newest {@code count} entries (all of them if it has no more). */
    public AppliedRequests newest(int count) {
        HashMap<Id, Entry> ids = byId;
        TreePMap<Long, Entry> indexes = byIndex;
        while (indexes.size() > count) {
            ids = ids.remove(new Id(indexes.firstEntry().getValue().requestId()));
            indexes = indexes.minusFirstEntry();
        }
        return new AppliedRequests(ids, indexes, capacity, horizonMillis);
    }

    /** This window's bounds with no entries: what a state read carries (clients never need the ids). */
    public AppliedRequests withoutEntries() {
        return empty(capacity, horizonMillis);
    }

    /** Equal windows hold equal entries in the same order under the same bounds (the by-id trie is derived). */
    @Override
    public boolean equals(Object other) {
        return other instanceof AppliedRequests w
                && capacity == w.capacity
                && horizonMillis == w.horizonMillis
                && byIndex.equals(w.byIndex);
    }

    @Override
    public int hashCode() {
        return Objects.hash(byIndex, capacity, horizonMillis);
    }

    @Override
    public String toString() {
        return "AppliedRequests[size=" + size() + ", capacity=" + capacity + ", horizonMillis=" + horizonMillis
                + ", byIndex=" + byIndex + "]";
    }
}
