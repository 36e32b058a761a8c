package io.poolkeeper.rpc;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Coalesces concurrent submits into batches, as the member's {@code CommandBatcher} does for log entries: while
 * fewer than {@code maxInFlight} batches are in flight, a submit is sent at once, alone (no added latency for a
 * synchronous caller); otherwise it waits, and when a batch completes the next one takes everything waiting, up to
 * {@code maxBatch} items and {@code maxBytes} (a single larger item still goes, alone).
 *
 * <p>No thread of its own: a batch is sent on the submitting thread or on the thread that completed the batch before
 * it. What a batch's items become is the sender's business (it completes their futures); the coalescer only needs to
 * know when a batch is done, which it learns from the stage {@code send} returns, whether it completes normally or
 * not. Thread-safe.
 *
 * @param <T> an item to send: a command and its caller's future
 */
final class SubmitCoalescer<T> {
    /** Most items in one batch: the member's batcher puts at most 512 commands in one log entry. */
    static final int MAX_BATCH = 512;

    /**
     * Batches in flight before submits wait: few, so that under load each batch carries many commands (as on the
     * member, where fewer and fuller entries commit more commands per CPU second); a lone command still goes at once.
     */
    static final int MAX_IN_FLIGHT = 4;

    /** Bytes of items in one batch: well under the member's 4 MiB request limit, whatever the commands hold. */
    static final int MAX_BYTES = 1 << 20;

    private final int maxInFlight;
    private final int maxBatch;
    private final int maxBytes;
    private final ToIntFunction<T> size;
    private final Function<List<T>, CompletionStage<?>> send;

    /** Guarded by {@code this}. */
    private final ArrayDeque<T> waiting = new ArrayDeque<>();
    /** Guarded by {@code this}. */
    private int inFlight;

    /**
     * @param size an item's size in bytes, for {@code maxBytes}
     * @param send sends a batch (never empty) and completes its items; the stage it returns completes when the batch
     *     is done
     */
    SubmitCoalescer(
            int maxInFlight,
            int maxBatch,
            int maxBytes,
            ToIntFunction<T> size,
            Function<List<T>, CompletionStage<?>> send) {
        if (maxInFlight < 1 || maxBatch < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.maxInFlight = maxInFlight;
        this.maxBatch = maxBatch;
        this.maxBytes = maxBytes;
        this.size = size;
        this.send = send;
    }

    /** Sends {@code item} now, alone, if a batch may go; else queues it for the next batch. */
    void submit(T item) {
        synchronized (this) {
            if (inFlight >= maxInFlight) {
                waiting.add(item);
                return;
            }
            inFlight++;
        }
        dispatch(List.of(item));
    }

    /** Items waiting for a batch to complete (for tests). */
    synchronized int waiting() {
        return waiting.size();
    }

    private void dispatch(List<T> batch) {
        CompletionStage<?> done;
        try {
            done = send.apply(batch);
        } catch (RuntimeException e) {
            // The sender failed its items itself or not at all; either way the slot must not leak.
            completed();
            throw e;
        }
        done.whenComplete((ok, error) -> completed());
    }

    /** A batch completed: the next one takes what waits, or its slot is free. */
    private void completed() {
        List<T> next;
        synchronized (this) {
            if (waiting.isEmpty()) {
                inFlight--;
                return;
            }
            next = new ArrayList<>(Math.min(waiting.size(), maxBatch));
            long bytes = 0;
            while (!waiting.isEmpty() && next.size() < maxBatch) {
                int itemBytes = size.applyAsInt(waiting.peek());
                if (!next.isEmpty() && bytes + itemBytes > maxBytes) {
                    break;
                }
                bytes += itemBytes;
                next.add(waiting.poll());
            }
        }
        dispatch(next);
    }
}
