package io.poolkeeper.codec;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.Sr;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.core.PoolState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Cuts a state to import into the parts of a chunked import ({@link io.poolkeeper.core.Operation.PoolImportChunk}),
 * each of which encodes to at most a given number of bytes: the first holds the pool object, the request window and
 * the join tokens, then objects follow in kind and id order. Ratis refuses a log entry over {@code
 * raft.server.log.appender.buffer.byte-limit} (4 MB by default), so one entry cannot carry a pool of some ten
 * thousand VMs.
 *
 * <p>Stateless and thread-safe.
 */
public final class ImportChunks {
    /** The encoded size aimed at per chunk: a quarter of Ratis' default entry limit, room for the entry's envelope. */
    public static final int CHUNK_BYTES = 1 << 20;

    /** Bytes a repeated field adds around each object: tag and length prefix, at most. */
    private static final int FIELD_OVERHEAD = 6;

    private ImportChunks() {}

    /**
     * The parts of {@code state}, in order; their union is {@code state}. {@link IllegalArgumentException} if the
     * first part alone (pool, request window, join tokens) or one object exceeds {@code maxBytes}.
     */
    public static List<PoolState> split(PoolState state, int maxBytes) {
        PoolState head = PoolState.empty().withRequests(state.requests()).withJoinTokens(state.joinTokens());
        if (state.pool().isPresent()) {
            head = head.withPool(state.requirePool());
        }
        Parts parts = new Parts(maxBytes, head, SnapshotCodec.encode(head, 0).getSerializedSize());
        for (Host h : state.hosts().values()) {
            parts.add(RecordCodec.toProto(h).getSerializedSize(), p -> p.withHost(h));
        }
        for (Sr sr : state.srs().values()) {
            parts.add(RecordCodec.toProto(sr).getSerializedSize(), p -> p.withSr(sr));
        }
        for (Pbd pbd : state.pbds().values()) {
            parts.add(RecordCodec.toProto(pbd).getSerializedSize(), p -> p.withPbd(pbd));
        }
        for (Vdi vdi : state.vdis().values()) {
            parts.add(RecordCodec.toProto(vdi).getSerializedSize(), p -> p.withVdi(vdi));
        }
        for (Vbd vbd : state.vbds().values()) {
            parts.add(RecordCodec.toProto(vbd).getSerializedSize(), p -> p.withVbd(vbd));
        }
        for (Vm vm : state.vms().values()) {
            parts.add(RecordCodec.toProto(vm).getSerializedSize(), p -> p.withVm(vm));
        }
        return parts.done();
    }

    /** The parts filled so far and the one being filled. */
    private static final class Parts {
        /** A part without objects: format version and the empty request window's bounds. */
        private static final int EMPTY_PART_BYTES =
                SnapshotCodec.encode(PoolState.empty(), 0).getSerializedSize();

        private final int maxBytes;
        private final List<PoolState> done = new ArrayList<>();
        private PoolState current;
        private long bytes;

        Parts(int maxBytes, PoolState head, int headBytes) {
            if (headBytes > maxBytes) {
                throw new IllegalArgumentException("the pool object, request window and join tokens take " + headBytes
                        + " bytes, over " + maxBytes);
            }
            this.maxBytes = maxBytes;
            this.current = head;
            this.bytes = headBytes;
        }

        void add(int objectBytes, UnaryOperator<PoolState> adding) {
            long size = (long) objectBytes + FIELD_OVERHEAD;
            if (EMPTY_PART_BYTES + size > maxBytes) {
                throw new IllegalArgumentException("one object takes " + objectBytes + " bytes, over " + maxBytes);
            }
            if (bytes + size > maxBytes) {
                done.add(current);
                current = PoolState.empty();
                bytes = EMPTY_PART_BYTES;
            }
            current = adding.apply(current);
            bytes += size;
        }

        List<PoolState> done() {
            done.add(current);
            return List.copyOf(done);
        }
    }
}
