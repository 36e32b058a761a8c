package io.poolkeeper.ratis;

import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.proto.CommandResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Application-level group commit: commands submitted concurrently travel together in one log entry, each still
 * getting its own result. Under no load a command goes alone at once (no added latency); under load the queue
 * fills while earlier entries replicate, and the next entry takes everything waiting, up to {@link #MAX_BATCH}.
 *
 * <p>Thread-safe; one sender thread per member.
 */
public final class CommandBatcher implements AutoCloseable {
    static final int MAX_BATCH = 512;
    /**
     * Few entries in flight make each entry carry more commands: every Raft entry costs the same whatever it carries
     * (client RPC, log write, two appends, commit, metadata entry, reply), so under load fewer, fuller entries commit
     * more commands per CPU second. Measured with the benchmark (docs/BENCHMARKS.md): 4 instead of 32 took a third
     * less CPU per committed command on the master and remote paths. A lone command still goes at once.
     */
    private static final int MAX_ENTRIES_IN_FLIGHT = 4;

    private record Pending(PoolCommand command, CompletableFuture<CommandResult> result) {}

    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Semaphore inFlight = new Semaphore(MAX_ENTRIES_IN_FLIGHT);
    /** Commands handed to Raft and not yet answered. */
    private final Set<CompletableFuture<CommandResult>> sent = ConcurrentHashMap.newKeySet();

    private final Function<Message, CompletableFuture<RaftClientReply>> send;
    private final IntConsumer batchSizes;
    private final Thread sender;
    private volatile boolean closed;

    CommandBatcher(String name, Function<Message, CompletableFuture<RaftClientReply>> send, IntConsumer batchSizes) {
        this.send = send;
        this.batchSizes = batchSizes;
        this.sender = new Thread(this::run, name + "-batcher");
        sender.setDaemon(true);
        sender.start();
    }

    public CompletableFuture<CommandResult> submit(PoolCommand command) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("member closed"));
            return result;
        }
        queue.add(new Pending(command, result));
        if (closed) {
            // Closed while adding: the sender may already have drained the queue for the last time.
            result.completeExceptionally(new IllegalStateException("member closed"));
        }
        return result;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (!closed) {
            try {
                batch.add(queue.take());
                inFlight.acquire();
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            List<Pending> sending = List.copyOf(batch);
            batch.clear();
            sendBatch(sending);
        }
        // A command taken from the queue just before the interrupt is failed too, not left to its caller's timeout.
        batch.forEach(CommandBatcher::failClosed);
        Pending left;
        while ((left = queue.poll()) != null) {
            failClosed(left);
        }
    }

    private static void failClosed(Pending p) {
        p.result().completeExceptionally(new IllegalStateException("member closed"));
    }

    private void sendBatch(List<Pending> batch) {
        CompletableFuture<RaftClientReply> reply;
        try {
            // A command that cannot be encoded fails its batch, never the sender thread.
            byte[] bytes = CommandCodec.encodeBatch(
                    batch.stream().map(Pending::command).toList());
            batch.forEach(p -> sent.add(p.result()));
            reply = send.apply(Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes)));
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        try {
            batchSizes.accept(batch.size());
        } catch (RuntimeException e) {
            // Counting must never fail a batch that is already on its way.
        }
        reply.whenComplete((r, error) -> {
            inFlight.release();
            batch.forEach(p -> sent.remove(p.result()));
            if (error == null && !r.isSuccess()) {
                error = r.getException() != null ? r.getException() : new IllegalStateException("not committed");
            }
            if (error != null) {
                for (Pending p : batch) {
                    p.result().completeExceptionally(error);
                }
                return;
            }
            List<CommandResult> results = PoolStateMachine.decodeReply(r.getMessage());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(results.get(i));
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
        // Sent commands whose answer the closing Raft client may never deliver: their outcome is unknown now.
        sent.forEach(result -> result.completeExceptionally(new IllegalStateException("member closed")));
    }
}
