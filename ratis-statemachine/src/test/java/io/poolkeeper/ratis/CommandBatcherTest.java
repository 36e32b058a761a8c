package io.poolkeeper.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.VmId;
import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.proto.BatchResult;
import io.poolkeeper.proto.CommandResult;
import io.poolkeeper.proto.Rejection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The group commit's order, coalescing and hand-over, with Raft replaced by a log of the entries it was sent. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CommandBatcherTest {
    /** What the batcher handed to Raft: each entry's commands, the sending thread, and the reply to complete. */
    private record Entry(List<PoolCommand> commands, Thread sender, CompletableFuture<RaftClientReply> reply) {}

    private final List<Entry> entries = new CopyOnWriteArrayList<>();
    private final CommandBatcher batcher = new CommandBatcher(
            message -> {
                CompletableFuture<RaftClientReply> reply = new CompletableFuture<>();
                entries.add(new Entry(
                        CommandCodec.decodeBatch(message.getContent().toByteArray()), Thread.currentThread(), reply));
                return reply;
            },
            size -> {});

    @Test
    void aLoneCommandIsSentAtOnceOnTheCallersThread() {
        CompletableFuture<CommandResult> result = batcher.submit(command("a"));

        assertEquals(1, entries.size());
        assertSame(Thread.currentThread(), entries.get(0).sender());
        assertEquals(List.of("a"), labels(entries.get(0)));
        answer(entries.get(0));
        assertEquals(List.of("a"), result.join().getRejected().getParamsList());
    }

    @Test
    void commandsWaitingForAFreeEntryTravelTogetherInOrderEachWithItsOwnResult() {
        List<CompletableFuture<CommandResult>> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            results.add(batcher.submit(command("first-" + i)));
        }
        assertEquals(4, entries.size()); // every entry slot taken: what comes now waits
        for (int i = 0; i < 10; i++) {
            results.add(batcher.submit(command("next-" + i)));
        }
        assertEquals(4, entries.size());

        answer(entries.get(2));

        assertEquals(5, entries.size());
        List<String> waited = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            waited.add("next-" + i);
        }
        assertEquals(waited, labels(entries.get(4)));
        entries.forEach(CommandBatcherTest::answer);
        for (int i = 0; i < results.size(); i++) {
            String label = i < 4 ? "first-" + i : "next-" + (i - 4);
            assertEquals(List.of(label), results.get(i).join().getRejected().getParamsList());
        }
    }

    @Test
    void commandsSubmittedTogetherTravelInOneEntry() {
        List<CompletableFuture<CommandResult>> results = batcher.together(() -> {
            List<CompletableFuture<CommandResult>> submitted = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                submitted.add(batcher.submit(command("t" + i)));
            }
            assertEquals(0, entries.size()); // queued until the end of together
            return submitted;
        });

        assertEquals(1, entries.size());
        assertEquals(List.of("t0", "t1", "t2", "t3", "t4"), labels(entries.get(0)));
        answer(entries.get(0));
        assertEquals(List.of("t3"), results.get(3).join().getRejected().getParamsList());
    }

    @Test
    void aCommandWithoutRequestIdIsGivenOneSoThatAResentEntryIsAppliedOnce() {
        batcher.submit(PoolCommand.of(new Operation.VmDestroy(VmId.of("00000000-0000-4000-8000-000000000001"))));
        batcher.submit(command("kept"));

        assertTrue(entries.get(0).commands().get(0).requestId().startsWith("batch-"));
        assertEquals("id-kept", entries.get(1).commands().get(0).requestId());
    }

    @Test
    void closingFailsWhatWaitsAndWhatWasSentAndRefusesWhatComesAfter() {
        List<CompletableFuture<CommandResult>> results = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            results.add(batcher.submit(command("c" + i)));
        }

        batcher.close();

        assertTrue(results.stream().allMatch(CompletableFuture::isCompletedExceptionally));
        assertTrue(batcher.submit(command("late")).isCompletedExceptionally());
        assertEquals(4, entries.size());
    }

    @Test
    void aFailedEntryFailsItsCommandsOnlyAndTheNextOneIsSent() {
        CompletableFuture<CommandResult> failed = batcher.submit(command("lost"));
        for (int i = 0; i < 4; i++) {
            batcher.submit(command("more-" + i));
        }

        entries.get(0).reply().completeExceptionally(new IllegalStateException("no quorum"));

        assertTrue(failed.isCompletedExceptionally());
        assertEquals(5, entries.size());
        assertEquals(List.of("more-3"), labels(entries.get(4)));
    }

    private static PoolCommand command(String label) {
        // Never applied here: the label travels in the request id, so the test reads it back from the entry.
        return new PoolCommand(
                "id-" + label, 0, 0, new Operation.VmDestroy(VmId.of("00000000-0000-4000-8000-000000000001")));
    }

    private static List<String> labels(Entry entry) {
        return entry.commands().stream().map(c -> c.requestId().substring(3)).toList();
    }

    /** Replies to an entry as the state machine would: one result per command, here naming the command. */
    private static void answer(Entry entry) {
        BatchResult.Builder results = BatchResult.newBuilder();
        for (PoolCommand c : entry.commands()) {
            results.addResults(CommandResult.newBuilder()
                    .setRejected(Rejection.newBuilder().addParams(c.requestId().substring(3))));
        }
        entry.reply()
                .complete(RaftClientReply.newBuilder()
                        .setClientId(ClientId.randomId())
                        .setServerId(RaftPeerId.valueOf("s1"))
                        .setGroupId(RaftGroupId.randomId())
                        .setCallId(1)
                        .setSuccess(true)
                        .setMessage(Message.valueOf(
                                UnsafeByteOperations.unsafeWrap(results.build().toByteArray())))
                        .build());
    }
}
