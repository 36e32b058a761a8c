package io.poolkeeper.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link SubmitCoalescer}: which batches it sends, driven by when the sender completes them. */
@Timeout(10)
class SubmitCoalescerTest {
    /** The batches sent, each with the stage the test completes to say it is done. */
    private final List<List<Integer>> sent = new CopyOnWriteArrayList<>();

    private final List<CompletableFuture<Void>> done = new CopyOnWriteArrayList<>();

    private CompletionStage<?> send(List<Integer> batch) {
        CompletableFuture<Void> finished = new CompletableFuture<>();
        sent.add(List.copyOf(batch));
        done.add(finished);
        return finished;
    }

    private SubmitCoalescer<Integer> coalescer(int maxInFlight, int maxBatch, int maxBytes) {
        return new SubmitCoalescer<>(maxInFlight, maxBatch, maxBytes, i -> i, this::send);
    }

    @Test
    void aLoneSubmitIsSentAtOnceOnTheCallersThread() {
        SubmitCoalescer<Integer> coalescer = coalescer(4, 512, 1 << 20);
        coalescer.submit(1);
        assertEquals(List.of(List.of(1)), sent);
        done.get(0).complete(null);
        coalescer.submit(2);
        assertEquals(List.of(List.of(1), List.of(2)), sent);
    }

    @Test
    void submitsWhileEveryBatchIsInFlightGoTogetherWhenOneCompletes() {
        SubmitCoalescer<Integer> coalescer = coalescer(2, 512, 1 << 20);
        IntStream.rangeClosed(1, 7).forEach(coalescer::submit);
        // Two go alone at once; five wait.
        assertEquals(List.of(List.of(1), List.of(2)), sent);
        assertEquals(5, coalescer.waiting());

        done.get(1).complete(null);
        assertEquals(List.of(3, 4, 5, 6, 7), sent.get(2));
        assertEquals(0, coalescer.waiting());

        // A slot is still taken by batch [1] and one by [3..7]: the next submit waits, then goes alone.
        coalescer.submit(8);
        assertEquals(3, sent.size());
        done.get(0).completeExceptionally(new IllegalStateException("a failed batch frees its slot too"));
        assertEquals(List.of(8), sent.get(3));

        // All done: the slots are free again.
        done.forEach(d -> d.complete(null));
        coalescer.submit(9);
        coalescer.submit(10);
        assertEquals(List.of(List.of(9), List.of(10)), sent.subList(4, 6));
    }

    @Test
    void aBatchTakesAtMostMaxBatchItemsAndMaxBytes() {
        SubmitCoalescer<Integer> coalescer = coalescer(1, 3, 10);
        coalescer.submit(1);
        List.of(1, 1, 1, 1, 4, 4, 4, 50, 2).forEach(coalescer::submit);
        List<List<Integer>> expected = new ArrayList<>(List.of(List.of(1)));
        expected.addAll(List.of(
                List.of(1, 1, 1), // three at most
                List.of(1, 4, 4), // 9 bytes: a third 4 would pass 10
                List.of(4), // the next one, 50, would pass 10
                List.of(50), // larger than the limit: alone
                List.of(2)));
        for (int i = 0; i < expected.size() - 1; i++) {
            done.get(i).complete(null);
        }
        assertEquals(expected, sent);
    }

    @Test
    void aSenderThatThrowsFreesItsSlot() {
        List<Integer> tried = new ArrayList<>();
        SubmitCoalescer<Integer> coalescer = new SubmitCoalescer<>(1, 512, 1 << 20, i -> i, batch -> {
            tried.addAll(batch);
            throw new IllegalStateException("broken sender");
        });
        assertThrows(IllegalStateException.class, () -> coalescer.submit(1));
        assertThrows(IllegalStateException.class, () -> coalescer.submit(2));
        assertEquals(List.of(1, 2), tried);
    }
}
