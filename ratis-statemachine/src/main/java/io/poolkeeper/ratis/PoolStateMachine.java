package io.poolkeeper.ratis;

import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.codec.SnapshotCodec;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Transition;
import io.poolkeeper.proto.BatchResult;
import io.poolkeeper.proto.CommandResult;
import io.poolkeeper.proto.PoolSnapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;

/**
 * The Ratis adapter of the pure pool core: each log entry is a batch of {@link PoolCommand}s (application-level
 * group commit), applied in order through {@link Transition#apply}; the reply is one result per command.
 *
 * <p>On the leader, {@link #startTransaction} has every command stamped with the pool time before anything is logged
 * ({@link CommandStamper}). {@link #applyTransaction} never throws. State is swapped atomically, so reads ({@link
 * #current()}, {@link #query}) run lock-free beside the apply thread. Snapshots are {@link PoolSnapshot} files
 * (protobuf, not Java serialization), written by a {@link SnapshotWriter} off the apply thread and read by a {@link
 * SnapshotReader}. One instance per server start (Ratis cannot re-initialize one).
 */
public final class PoolStateMachine extends BaseStateMachine {
    /** The query that reads the whole state. */
    static final Message READ_STATE = Message.valueOf("read-state");

    private final SimpleStateMachineStorage storage = new PoolSnapshotStorage();
    private final ApplyListener listener;
    private final BiConsumer<RaftGroupId, RaftPeerId> leaderSeen;
    private final ReadyLeaderNews otherLeaders;
    private final CommandStamper stamper = new CommandStamper();
    private volatile AppliedState current = AppliedState.empty();
    private final SnapshotWriter snapshots = new SnapshotWriter(storage, "pool-snapshot-writer");

    /**
     * @param leaderSeen told a group and its leader once the leader can take writes: another host once this member
     *     applied an entry of its term ({@link ReadyLeaderNews}), this member when it is ready; on a Ratis thread that
     *     may hold the server's monitor: must return at once and must not call into Ratis
     */
    public PoolStateMachine(ApplyListener listener, BiConsumer<RaftGroupId, RaftPeerId> leaderSeen) {
        this.listener = listener;
        this.leaderSeen = leaderSeen;
        this.otherLeaders =
                new ReadyLeaderNews(leaderSeen, () -> getLastAppliedTermIndex().getTerm());
    }

    /** The latest applied state; never null. */
    public AppliedState current() {
        return current;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        listener.opened(groupId.getUuid().toString());
        getLifeCycle().startAndTransition(() -> load(storage.loadLatestSnapshot()));
    }

    @Override
    public void pause() {
        // A snapshot being written is left to finish, so that the one installed next is the latest.
        snapshots.awaitWritten();
        // Snapshot installation requires PAUSED (Ratis otherwise closes the division): BaseStateMachine's is a no-op.
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        stamper.reset();
        load(storage.loadLatestSnapshot());
        getLifeCycle().transition(LifeCycle.State.STARTING);
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    @Override
    public void close() throws IOException {
        snapshots.close();
        super.close();
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /**
     * Never throws: a refusal (a stale master, see {@link ApplyListener#beforeWrite}) or a failure is returned in the
     * context. Ratis 3.3.0 answers a returned exception and fails the request's retry-cache entry, so a retry is
     * judged afresh; a thrown one leaves that entry pending until the cache expires it (60 s), and every retry of the
     * request (a Raft client retries an {@link IOException}) waits on it, holding back every later write of that
     * client, whose writes are ordered behind it. Seen in the nemesis test (seed 80157223076000): a new master's
     * generation check refused two writes of a slave's Raft client, which then retried the first for the 30 s the test
     * waited, with the later writes of that client queued behind it.
     */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) {
        try {
            listener.beforeWrite();
            return stamper.transaction(this, request, current.state());
        } catch (IOException | RuntimeException e) {
            return TransactionContext.newBuilder()
                    .setStateMachine(this)
                    .setClientRequest(request)
                    .build()
                    .setException(e);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        Object cached = trx.getStateMachineContext();
        List<PoolCommand> commands = cached instanceof List<?> list
                ? (List<PoolCommand>) list
                : CommandCodec.decodeBatch(
                        toBytes(entry.getStateMachineLogEntry().getLogData()));
        List<AppliedCommand> applied = new ArrayList<>(commands.size());
        AppliedState after = applyBatch(current, index, commands, applied);
        BatchResult.Builder reply = BatchResult.newBuilder();
        applied.forEach(a -> reply.addResults(ResultCodec.encode(a.outcome())));
        current = after;
        updateLastAppliedTermIndex(entry.getTerm(), index);
        otherLeaders.applied(entry.getTerm());
        snapshots.logged(entry.getStateMachineLogEntry().getLogData().size());
        try {
            listener.applied(index, applied, after);
        } catch (RuntimeException e) {
            LOG.warn("apply listener failed at index {}", index, e);
        }
        return CompletableFuture.completedFuture(
                Message.valueOf(UnsafeByteOperations.unsafeWrap(reply.build().toByteArray())));
    }

    /**
     * Applies one log entry's batch to a state: the whole of what a replica does with an entry, so the emergency
     * transition can replay a log tail exactly as the apply thread would. Fills {@code applied} with each command's
     * outcome.
     */
    static AppliedState applyBatch(
            AppliedState before, long index, List<PoolCommand> commands, List<AppliedCommand> applied) {
        PoolState state = before.state();
        long sequence = before.sequence();
        for (PoolCommand command : commands) {
            boolean seen = !command.requestId().isEmpty()
                    && state.requests().find(command.requestId()).isPresent();
            Outcome outcome = Transition.apply(state, command, new ApplyContext(index, sequence + 1));
            boolean repeated = seen && outcome instanceof Outcome.Applied;
            // A resend answered as before changed nothing: it is no event, so it takes no token.
            if (!repeated) {
                sequence++;
            }
            if (outcome instanceof Outcome.Applied ok) {
                state = ok.next();
            }
            applied.add(new AppliedCommand(sequence, command, outcome, repeated));
        }
        return new AppliedState(state, index, sequence);
    }

    /**
     * This replica's whole local copy: the applied state plus every entry of its log after it, committed or not
     * (DESIGN §5: a write acknowledged by a majority that included this member is in its log). Call only while no
     * leader is appending, i.e. in emergency mode.
     */
    public AppliedState withLogTail(RaftLog log) throws IOException {
        AppliedState state = current;
        TermIndex last = getLastAppliedTermIndex();
        long from = (last == null ? 0 : last.getIndex()) + 1;
        for (long i = from; i < log.getNextIndex(); i++) {
            LogEntryProto entry = log.get(i);
            if (entry == null || !entry.hasStateMachineLogEntry()) {
                continue;
            }
            List<PoolCommand> commands = CommandCodec.decodeBatch(
                    toBytes(entry.getStateMachineLogEntry().getLogData()));
            state = applyBatch(state, i, commands, new ArrayList<>());
        }
        return state;
    }

    /** The state a {@link #READ_STATE} query answered. */
    static AppliedState decodeState(Message answer) {
        try {
            PoolSnapshot snapshot = PoolSnapshot.parseFrom(answer.getContent().toByteArray());
            return new AppliedState(
                    SnapshotCodec.decode(snapshot), snapshot.getAppliedIndex(), snapshot.getLastEventSequence());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("undecodable state from the state machine", e);
        }
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        AppliedState now = current;
        PoolSnapshot snapshot = SnapshotCodec.encode(now);
        return CompletableFuture.completedFuture(
                Message.valueOf(UnsafeByteOperations.unsafeWrap(snapshot.toByteArray())));
    }

    @Override
    public long takeSnapshot() throws IOException {
        AppliedState now = current;
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() <= 0) {
            return -1;
        }
        if (now.state().staged().isPresent()) {
            // A chunked import is half staged, and snapshots do not hold staging: no snapshot (so no purge) until its
            // commit. A restart then replays the import's entries from the log, and a snapshot never shows a
            // replica a state its log tail cannot continue from.
            return -1;
        }
        // On the apply thread (Ratis' state machine updater): every applied batch has reached the listener.
        return snapshots.take(now, last, listener::beforeSnapshot);
    }

    @Override
    public void notifyLeaderReady() {
        // Called on the apply thread: a throw here would close the division like one from applyTransaction (seen
        // when a member closing its duty executor became leader at that moment).
        try {
            // Writes this member's Raft client sent to it before it was ready were refused (not ready) and wander
            // the other peers on the client's retries (150 ms and more after a failover, measured): sent again now.
            RaftPeerId self = getId();
            if (self != null) {
                leaderSeen.accept(getGroupId(), self);
            }
            listener.leaderReady();
        } catch (RuntimeException e) {
            LOG.warn("leader-ready listener failed", e);
        }
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        if (newLeaderId == null) {
            return;
        }
        try {
            listener.leaderChanged();
            if (newLeaderId.equals(groupMemberId.getPeerId())) {
                // This member's own client hears of it when it is ready (notifyLeaderReady).
                otherLeaders.selfElected();
                listener.elected();
            } else {
                otherLeaders.leaderChanged(groupMemberId.getGroupId(), newLeaderId, currentTerm(groupMemberId));
            }
        } catch (RuntimeException e) {
            LOG.warn("leader-changed listener failed", e);
        }
    }

    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        super.notifyTermIndexUpdated(term, index);
        otherLeaders.applied(term);
    }

    /** The Raft server's current term in the group of {@code id}; 0 when it cannot be read (passed on at once). */
    private long currentTerm(RaftGroupMemberId id) {
        try {
            return getServer().join().getDivision(id.getGroupId()).getInfo().getCurrentTerm();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
        stamper.reset();
        try {
            listener.notLeader();
        } catch (RuntimeException e) {
            LOG.warn("not-leader listener failed", e);
        }
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        Optional<SnapshotReader.Loaded> loaded = SnapshotReader.read(snapshot);
        if (loaded.isPresent()) {
            current = loaded.get().state();
            setLastAppliedTermIndex(loaded.get().last());
            // An installed snapshot may be the first of the new leader's term this member sees applied.
            otherLeaders.applied(loaded.get().last().getTerm());
            listener.reloaded(current);
        }
    }

    /** Decodes a reply of {@link #applyTransaction}. */
    static List<CommandResult> decodeReply(Message reply) {
        try {
            return BatchResult.parseFrom(toBytes(reply.getContent())).getResultsList();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("unreadable reply from the pool state machine", e);
        }
    }

    static byte[] toBytes(ByteString bytes) {
        return bytes.toByteArray();
    }
}
