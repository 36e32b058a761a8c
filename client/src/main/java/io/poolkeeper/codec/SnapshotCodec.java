package io.poolkeeper.codec;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.Sr;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.core.AppliedRequests;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.JoinToken;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Result;
import io.poolkeeper.proto.AppliedRequest;
import io.poolkeeper.proto.JoinTokenRecord;
import io.poolkeeper.proto.PoolSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.pcollections.TreePMap;

/**
 * The replicated state ({@link PoolState}) and its snapshot ({@link PoolSnapshot}), as a Raft snapshot, a state
 * read and the payload of a pool import.
 *
 * <p>Lossless: {@code decode(encode(state, i)).equals(state)} for every state the rules can reach, including the
 * request window (entries oldest first by log index, with their pool times and results, and its bounds; see {@link
 * AppliedRequests} for what they mean). Objects are written in id
 * order, so the message is a function of the state; the bytes are too when written with {@link #toBytes} (protobuf
 * promises no order for {@code map} fields otherwise). The runtime's own fields of the message ({@code
 * last_event_sequence}) are neither written nor read here.
 *
 * <p>Stateless and thread-safe.
 */
public final class SnapshotCodec {
    /**
     * The snapshot format this version writes. Version 2 added the request window's pool times and age horizon,
     * version 3 the join tokens; versions 1 and 2 are still read (see {@link #decode}).
     */
    public static final int FORMAT_VERSION = 3;

    /** The oldest format this version reads. */
    static final int OLDEST_FORMAT_VERSION = 1;

    private SnapshotCodec() {}

    /**
     * A member's applied state as a read returns it, with its event sequence, and without the request window's
     * entries: clients never need them, and at the window's cap they would make every read tens of megabytes.
     * Join tokens go without the hashes of their secrets: a reader must not be able to test guesses offline.
     * Snapshots keep both ({@link #encode(PoolState, long)}).
     */
    public static PoolSnapshot encode(AppliedState applied) {
        PoolState state = applied.state();
        TreePMap<String, JoinToken> tokens = TreePMap.empty();
        for (JoinToken token : state.joinTokens().values()) {
            tokens = tokens.plus(token.id(), token.withoutSecret());
        }
        return encode(state.withRequests(state.requests().withoutEntries()).withJoinTokens(tokens), applied.logIndex())
                .toBuilder()
                .setLastEventSequence(applied.sequence())
                .build();
    }

    /**
     * The snapshot of {@code state} at {@code appliedIndex}. {@link IllegalArgumentException} for a state that has no
     * faithful wire form (an HA timeout finer than a millisecond, an inconsistent request window), which the rules
     * never produce.
     */
    public static PoolSnapshot encode(PoolState state, long appliedIndex) {
        PoolSnapshot.Builder out =
                PoolSnapshot.newBuilder().setFormatVersion(FORMAT_VERSION).setAppliedIndex(appliedIndex);
        state.pool().ifPresent(pool -> out.setPool(RecordCodec.toProto(pool)));
        // TreePMap iterates in id order: the same state always gives the same message.
        state.hosts().values().forEach(host -> out.addHosts(RecordCodec.toProto(host)));
        state.vms().values().forEach(vm -> out.addVms(RecordCodec.toProto(vm)));
        state.srs().values().forEach(sr -> out.addSrs(RecordCodec.toProto(sr)));
        state.pbds().values().forEach(pbd -> out.addPbds(RecordCodec.toProto(pbd)));
        state.vdis().values().forEach(vdi -> out.addVdis(RecordCodec.toProto(vdi)));
        state.vbds().values().forEach(vbd -> out.addVbds(RecordCodec.toProto(vbd)));
        state.joinTokens()
                .values()
                .forEach(token -> out.addJoinTokens(JoinTokenRecord.newBuilder()
                        .setId(token.id())
                        .setSecretSha256(token.secretSha256())
                        .setExpiresAtMs(token.expiresAtMillis())));
        encodeRequests(state.requests(), out);
        return out.build();
    }

    /**
     * The state in {@code snapshot}. {@link IllegalArgumentException}, saying what is wrong, for a format version
     * this version does not read or content the state cannot hold: an id that is not a UUID, an unspecified required
     * enum, an object listed twice, a request window out of order (by log index or pool time) or over its capacity.
     *
     * <p>A version-1 snapshot carried no pool times and the fixed capacity of its code (10,000): its entries decode
     * with an unknown time (kept until pool time is known, then aged from there; see {@link AppliedRequests}) and its
     * window takes this version's default bounds, the same on every member that reads it. Versions 1 and 2 had no
     * join tokens: they decode with none.
     */
    public static PoolState decode(PoolSnapshot snapshot) {
        int version = snapshot.getFormatVersion();
        if (version < OLDEST_FORMAT_VERSION || version > FORMAT_VERSION) {
            throw new IllegalArgumentException("unknown snapshot format_version " + version
                    + "; this member reads versions " + OLDEST_FORMAT_VERSION + " to " + FORMAT_VERSION);
        }
        return new PoolState(
                snapshot.hasPool() ? Optional.of(RecordCodec.pool(snapshot.getPool())) : Optional.empty(),
                byId("host", snapshot.getHostsList(), RecordCodec::host, Host::uuid),
                byId("VM", snapshot.getVmsList(), RecordCodec::vm, Vm::uuid),
                byId("SR", snapshot.getSrsList(), RecordCodec::sr, Sr::uuid),
                byId("PBD", snapshot.getPbdsList(), RecordCodec::pbd, Pbd::uuid),
                byId("VDI", snapshot.getVdisList(), RecordCodec::vdi, Vdi::uuid),
                byId("VBD", snapshot.getVbdsList(), RecordCodec::vbd, Vbd::uuid),
                byId(
                        "join token",
                        snapshot.getJoinTokensList(),
                        t -> new JoinToken(t.getId(), t.getSecretSha256(), t.getExpiresAtMs()),
                        JoinToken::id),
                decodeRequests(snapshot));
    }

    /** The log index {@code snapshot} reflects. */
    public static long appliedIndex(PoolSnapshot snapshot) {
        return snapshot.getAppliedIndex();
    }

    /** The bytes of {@code snapshot}, deterministic: equal snapshots give equal bytes on every member and JVM. */
    public static byte[] toBytes(PoolSnapshot snapshot) {
        return Wire.bytes(snapshot);
    }

    private static void encodeRequests(AppliedRequests requests, PoolSnapshot.Builder out) {
        for (Map.Entry<Long, AppliedRequests.Entry> applied : requests.byIndex().entrySet()) {
            AppliedRequests.Entry entry = applied.getValue();
            // No lookup by id per entry: the snapshot holds the entries by index only (a decode rebuilds both maps
            // from them), and at the window's cap those lookups were half of a snapshot's time on the apply thread.
            if (entry.logIndex() != applied.getKey()) {
                throw new IllegalArgumentException("request window inconsistent at index " + applied.getKey());
            }
            out.addAppliedRequests(AppliedRequest.newBuilder()
                    .setRequestId(entry.requestId())
                    .setLogIndex(entry.logIndex())
                    .setResult(ResultCodec.encode(entry.result()))
                    .setAppliedAtMs(entry.appliedAtMillis()));
        }
        out.setAppliedRequestsCapacity(requests.capacity());
        out.setAppliedRequestsHorizonMs(requests.horizonMillis());
    }

    private static AppliedRequests decodeRequests(PoolSnapshot snapshot) {
        boolean versionOne = snapshot.getFormatVersion() == 1;
        int capacity = versionOne || snapshot.getAppliedRequestsCapacity() == 0
                ? AppliedRequests.DEFAULT_CAPACITY
                : snapshot.getAppliedRequestsCapacity();
        if (capacity < 0) {
            throw new IllegalArgumentException("applied_requests_capacity: negative: " + capacity);
        }
        long horizon = versionOne || snapshot.getAppliedRequestsHorizonMs() == 0
                ? AppliedRequests.DEFAULT_HORIZON_MILLIS
                : snapshot.getAppliedRequestsHorizonMs();
        if (horizon < 0) {
            throw new IllegalArgumentException("applied_requests_horizon_ms: negative: " + horizon);
        }
        if (snapshot.getAppliedRequestsCount() > capacity) {
            throw new IllegalArgumentException("applied_requests: " + snapshot.getAppliedRequestsCount()
                    + " entries over the capacity " + capacity);
        }
        List<AppliedRequests.Entry> entries = new ArrayList<>(snapshot.getAppliedRequestsCount());
        long previousTime = 0;
        for (AppliedRequest applied : snapshot.getAppliedRequestsList()) {
            String id = applied.getRequestId();
            long index = applied.getLogIndex();
            long time = applied.getAppliedAtMs();
            if (id.isEmpty()) {
                throw new IllegalArgumentException("applied_requests: an entry has no request_id");
            }
            // Pool time never goes back, and the window gives its time to entries of unknown time (0) as soon as it
            // knows one: eviction by age looks at the oldest entry only, so it relies on this order.
            if (time < previousTime || (time > 0 && previousTime == 0 && !entries.isEmpty())) {
                throw new IllegalArgumentException("applied_requests: applied_at_ms " + time + " after " + previousTime
                        + ", not in pool-time order");
            }
            Result result;
            try {
                result = ResultCodec.result(applied.getResult());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("applied_requests[" + Wire.quote(id) + "]: " + e.getMessage(), e);
            }
            AppliedRequests.Entry entry = new AppliedRequests.Entry(id, index, time, result);
            entries.add(entry);
            previousTime = time;
        }
        // The window checks the order of log indexes and that no request id comes twice as it builds its maps: once
        // per id, where a check here would hash and look up every id of a full window a second time.
        try {
            return AppliedRequests.of(entries, capacity, horizon);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("applied_requests: " + e.getMessage(), e);
        }
    }

    private static <P, T, K extends Comparable<? super K>> TreePMap<K, T> byId(
            String kind, List<P> records, Function<P, T> decode, Function<T, K> id) {
        TreePMap<K, T> out = TreePMap.empty();
        for (P record : records) {
            T value = decode.apply(record);
            K key = id.apply(value);
            if (out.containsKey(key)) {
                // A map keeps one object per id; keeping either would silently drop the other.
                throw new IllegalArgumentException(kind + " " + key + " is listed twice");
            }
            out = out.plus(key, value);
        }
        return out;
    }
}
