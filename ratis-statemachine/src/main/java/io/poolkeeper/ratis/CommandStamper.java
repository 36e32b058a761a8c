package io.poolkeeper.ratis;

import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * The leader's side of a write: decodes a client's batch and stamps every command with the pool time ({@link
 * PoolClock}) before it is logged, over whatever the sender wrote, so that no client's clock ages the request window
 * ({@link io.poolkeeper.core.AppliedRequests}). The decoded, stamped commands ride along as the transaction's context,
 * so the leader's apply does not decode them again. Used on Raft's client-request threads, one at a time per leader
 * term as Ratis orders them; {@link #reset} when leadership ends.
 */
final class CommandStamper {
    private final PoolClock clock = new PoolClock();

    /** Leadership ended: the next leadership starts its pool time afresh from the applied state. */
    void reset() {
        clock.reset();
    }

    /** The transaction that logs {@code request}'s commands, stamped; {@code applied} is the latest applied state. */
    TransactionContext transaction(StateMachine machine, RaftClientRequest request, PoolState applied) {
        byte[] bytes = request.getMessage().getContent().toByteArray();
        List<PoolCommand> commands = CommandCodec.decodeBatch(bytes);
        long now = clock.stamp(applied.requests().poolTimeMillis());
        if (commands.stream().anyMatch(c -> c.operation() instanceof Operation.Invalid)) {
            // Undecodable commands cannot be re-encoded: log the bytes as sent, stamped; every replica decodes them to
            // the same refusal. (The batcher never sends such a batch: members refuse invalid commands first.)
            byte[] logged = CommandCodec.stampBatch(bytes, now);
            return TransactionContext.newBuilder()
                    .setStateMachine(machine)
                    .setClientRequest(request)
                    .setLogData(UnsafeByteOperations.unsafeWrap(logged))
                    .setStateMachineContext(CommandCodec.decodeBatch(logged))
                    .build();
        }
        List<PoolCommand> stamped = new ArrayList<>(commands.size());
        for (PoolCommand c : commands) {
            stamped.add(
                    new PoolCommand(c.requestId(), stampOf(c, now, applied), c.expectedGeneration(), c.operation()));
        }
        return TransactionContext.newBuilder()
                .setStateMachine(machine)
                .setClientRequest(request)
                .setLogData(UnsafeByteOperations.unsafeWrap(CommandCodec.encodeBatch(stamped)))
                .setStateMachineContext(stamped)
                .build();
    }

    /**
     * An import goes on with the survivor's pool time: stamped with the wall clock of a new group's first leader, it
     * would move pool time by however long the old pool's time stood still, and evict the ids it carries.
     */
    private static long stampOf(PoolCommand command, long now, PoolState applied) {
        if (command.operation() instanceof Operation.PoolImport i
                && i.imported().requests().poolTimeMillis() > 0) {
            return i.imported().requests().poolTimeMillis();
        }
        // A chunked import's commit likewise, from the staged chunks (its importer sends it once they are applied).
        if (command.operation() instanceof Operation.PoolImportCommit c) {
            long staged = applied.staged()
                    .filter(s -> s.importId().equals(c.importId()))
                    .map(s -> s.merged().requests().poolTimeMillis())
                    .orElse(0L);
            return staged > 0 ? staged : now;
        }
        return now;
    }
}
