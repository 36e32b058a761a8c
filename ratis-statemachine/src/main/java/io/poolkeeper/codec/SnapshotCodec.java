package io.poolkeeper.codec;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.Sr;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.core.AppliedRequests;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Result;
import io.poolkeeper.proto.AppliedRequest;
import io.poolkeeper.proto.PoolSnapshot;
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
 * request window (entries oldest first by log index, with their results, and its capacity). Objects are written in id
 * order, so the message is a function of the state; the bytes are too when written with {@link #toBytes} (protobuf
 * promises no order for {@code map} fields otherwise). The runtime's own fields of the message ({@code
 * last_event_sequence}) are neither written nor read here.
 *
 * <p>Stateless and thread-safe.
 */
public final class SnapshotCodec {
    /** The snapshot format this version writes and the only one it reads. */
    public static final int FORMAT_VERSION = 1;

    private SnapshotCodec() {}

    /** The snapshot of a member's applied state, with its event sequence. */
    public static PoolSnapshot encode(AppliedState applied) {
        return encode(applied.state(), applied.logIndex()).toBuilder()
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
        encodeRequests(state.requests(), out);
        return out.build();
    }

    /**
     * The state in {@code snapshot}. {@link IllegalArgumentException}, saying what is wrong, for a format version
     * other than {@link #FORMAT_VERSION} or content the state cannot hold: an id that is not a UUID, an unspecified
     * required enum, an object listed twice, a request window out of order or over its capacity.
     */
    public static PoolState decode(PoolSnapshot snapshot) {
        if (snapshot.getFormatVersion() != FORMAT_VERSION) {
            throw new IllegalArgumentException("unknown snapshot format_version " + snapshot.getFormatVersion()
                    + "; this member reads version " + FORMAT_VERSION);
        }
        return new PoolState(
                snapshot.hasPool() ? Optional.of(RecordCodec.pool(snapshot.getPool())) : Optional.empty(),
                byId("host", snapshot.getHostsList(), RecordCodec::host, Host::uuid),
                byId("VM", snapshot.getVmsList(), RecordCodec::vm, Vm::uuid),
                byId("SR", snapshot.getSrsList(), RecordCodec::sr, Sr::uuid),
                byId("PBD", snapshot.getPbdsList(), RecordCodec::pbd, Pbd::uuid),
                byId("VDI", snapshot.getVdisList(), RecordCodec::vdi, Vdi::uuid),
                byId("VBD", snapshot.getVbdsList(), RecordCodec::vbd, Vbd::uuid),
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
        if (requests.byId().size() != requests.byIndex().size()) {
            throw new IllegalArgumentException("request window inconsistent: "
                    + requests.byId().size() + " ids, " + requests.byIndex().size() + " indexes");
        }
        for (Map.Entry<Long, String> applied : requests.byIndex().entrySet()) {
            AppliedRequests.Entry entry = requests.byId().get(applied.getValue());
            if (entry == null || entry.logIndex() != applied.getKey()) {
                throw new IllegalArgumentException("request window inconsistent at index " + applied.getKey());
            }
            out.addAppliedRequests(AppliedRequest.newBuilder()
                    .setRequestId(applied.getValue())
                    .setLogIndex(applied.getKey())
                    .setResult(ResultCodec.encode(entry.result())));
        }
        out.setAppliedRequestsCapacity(requests.capacity());
    }

    private static AppliedRequests decodeRequests(PoolSnapshot snapshot) {
        int capacity = snapshot.getAppliedRequestsCapacity() == 0
                ? AppliedRequests.DEFAULT_CAPACITY
                : snapshot.getAppliedRequestsCapacity();
        if (capacity < 0) {
            throw new IllegalArgumentException("applied_requests_capacity: negative: " + capacity);
        }
        if (snapshot.getAppliedRequestsCount() > capacity) {
            throw new IllegalArgumentException("applied_requests: " + snapshot.getAppliedRequestsCount()
                    + " entries over the capacity " + capacity);
        }
        TreePMap<String, AppliedRequests.Entry> byId = TreePMap.empty();
        TreePMap<Long, String> byIndex = TreePMap.empty();
        long previous = Long.MIN_VALUE;
        for (AppliedRequest applied : snapshot.getAppliedRequestsList()) {
            String id = applied.getRequestId();
            long index = applied.getLogIndex();
            if (id.isEmpty()) {
                throw new IllegalArgumentException("applied_requests: an entry has no request_id");
            }
            if (!byIndex.isEmpty() && index <= previous) {
                throw new IllegalArgumentException(
                        "applied_requests: log_index " + index + " after " + previous + ", not oldest first");
            }
            if (byId.containsKey(id)) {
                throw new IllegalArgumentException("applied_requests: request_id " + Wire.quote(id) + " twice");
            }
            Result result;
            try {
                result = ResultCodec.result(applied.getResult());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("applied_requests[" + Wire.quote(id) + "]: " + e.getMessage(), e);
            }
            byId = byId.plus(id, new AppliedRequests.Entry(index, result));
            byIndex = byIndex.plus(index, id);
            previous = index;
        }
        return new AppliedRequests(byId, byIndex, capacity);
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
