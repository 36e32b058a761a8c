package io.poolkeeper.ratis;

import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.proto.CommandResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Application-level group commit: commands submitted concurrently travel together in one log entry, each still
 * getting its own result. Under no load a command goes alone at once, on the caller's thread (no hand-off, no added
 * latency); under load the queue fills while earlier entries replicate, and the next entry takes everything
 * waiting, up to {@link #MAX_BATCH}, sent by whichever thread frees an entry slot.
 *
 * <p>Commands are sent in the order they were submitted. A command without a request id is given one, so that a
 * batch re-sent after a lost answer (see {@link LeaderShortcut}) is applied once.
 *
 * <p>Thread-safe.
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

    /** Guarded by {@code this}, as are {@link #inFlight} and {@link #closed}. */
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();

    private int inFlight;
    /** Whether a thread is taking and sending a batch. */
    private boolean sending;

    private boolean closed;
    /** Whether this thread is inside {@link #together}. */
    private final ThreadLocal<Boolean> deferring = ThreadLocal.withInitial(() -> false);
    /** Commands handed to Raft and not yet answered. */
    private final Set<CompletableFuture<CommandResult>> sent = ConcurrentHashMap.newKeySet();

    private final Function<Message, CompletableFuture<RaftClientReply>> send;
    private final IntConsumer batchSizes;

    CommandBatcher(Function<Message, CompletableFuture<RaftClientReply>> send, IntConsumer batchSizes) {
        this.send = send;
        this.batchSizes = batchSizes;
    }

    public CompletableFuture<CommandResult> submit(PoolCommand command) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                result.completeExceptionally(new IllegalStateException("member closed"));
                return result;
            }
            queue.add(new Pending(command, result));
        }
        if (!deferring.get()) {
            pump();
        }
        return result;
    }

    /**
     * Runs {@code submits}, whose {@link #submit}s on this thread only queue, then sends: the commands travel
     * together in as few entries as the free slots allow, instead of the first ones alone in entries of their own
     * (a SubmitBatch of a remote client).
     */
    public <T> T together(Supplier<T> submits) {
        if (deferring.get()) {
            return submits.get();
        }
        deferring.set(true);
        try {
            return submits.get();
        } finally {
            deferring.set(false);
            pump();
        }
    }

    /**
     * Sends what waits while an entry slot is free. One thread at a time sends, so batches reach Raft in submission
     * order; a thread that finds another sending leaves its command to it, as that one looks at the queue again
     * before it stops. No lock is held while a batch is encoded and handed over, nor when answers complete.
     */
    private void pump() {
        while (true) {
            List<Pending> batch;
            synchronized (this) {
                if (sending || closed || inFlight >= MAX_ENTRIES_IN_FLIGHT || queue.isEmpty()) {
                    return;
                }
                sending = true;
                inFlight++;
                batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH));
                while (batch.size() < MAX_BATCH && !queue.isEmpty()) {
                    batch.add(queue.poll());
                }
            }
            try {
                sendBatch(batch);
            } finally {
                synchronized (this) {
                    sending = false;
                }
            }
        }
    }

    private void sendBatch(List<Pending> batch) {
        CompletableFuture<RaftClientReply> reply;
        try {
            // A command that cannot be encoded fails its batch, never the caller that happened to send it.
            byte[] bytes = CommandCodec.encodeBatch(
                    batch.stream().map(p -> identified(p.command())).toList());
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
            synchronized (this) {
                inFlight--;
            }
            answer(batch, r, error);
            pump();
        });
    }

    private static PoolCommand identified(PoolCommand command) {
        return command.requestId().isEmpty()
                ? new PoolCommand(
                        "batch-" + UUID.randomUUID(),
                        command.issuedAtMillis(),
                        command.expectedGeneration(),
                        command.operation())
                : command;
    }

    private void answer(List<Pending> batch, RaftClientReply r, Throwable error) {
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
    }

    @Override
    public void close() {
        List<Pending> left;
        synchronized (this) {
            closed = true;
            left = new ArrayList<>(queue);
            queue.clear();
        }
        left.forEach(p -> p.result().completeExceptionally(new IllegalStateException("member closed")));
        // Sent commands whose answer the closing Raft client may never deliver: their outcome is unknown now.
        sent.forEach(result -> result.completeExceptionally(new IllegalStateException("member closed")));
    }
}
