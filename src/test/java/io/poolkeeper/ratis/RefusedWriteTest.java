package io.poolkeeper.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.testing.Ports;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.ExitUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write the leader's state machine refuses before it is logged (a master of a stale generation, or one whose
 * generation check said no) is answered at once, and the writes its client sent after it are not held up.
 *
 * <p>Refused by throwing from {@code startTransaction}, Ratis 3.3.0 left the request's retry-cache entry pending:
 * the client retried the request (an {@link IOException}), every retry waited on that entry until the cache expired
 * it (60 s), and the client's later writes, ordered behind it, waited as long.
 */
@Timeout(60)
class RefusedWriteTest {
    private static final MemberTimeouts TIMEOUTS = MemberTimeouts.defaults();

    @TempDir
    Path dir;

    @Test
    void aRefusedWriteIsAnsweredAndDoesNotHoldUpTheNextOnes() throws Exception {
        ExitUtils.disableSystemExit();
        int port = Ports.free();
        RaftPeer peer = RaftPeer.newBuilder()
                .setId("s1")
                .setAddress("127.0.0.1:" + port)
                .build();
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), List.of(peer));
        RefusingOnce listener = new RefusingOnce();
        try (RaftServer server = RaftServer.newBuilder()
                .setServerId(peer.getId())
                .setGroup(group)
                .setProperties(RaftSettings.server(dir.resolve("s1"), "127.0.0.1", port, TIMEOUTS))
                .setStateMachine(new PoolStateMachine(listener, (g, leader) -> {}))
                .build()) {
            server.start();
            try (RaftClient client = RaftClient.newBuilder()
                    .setRaftGroup(group)
                    .setProperties(RaftSettings.client(TIMEOUTS))
                    .setRetryPolicy(RaftSettings.retryPolicy(TIMEOUTS))
                    .build()) {
                assertTrue(client.io().send(write("first")).isSuccess());

                listener.refuseNext.set(true);
                CompletableFuture<RaftClientReply> refused = client.async().send(write("refused"));
                CompletableFuture<RaftClientReply> next = client.async().send(write("next"));

                // Answered, not retried into the pending entry: the refusal reaches the caller, reason and all.
                ExecutionException answer =
                        assertThrows(ExecutionException.class, () -> refused.get(15, TimeUnit.SECONDS));
                assertInstanceOf(StateMachineException.class, answer.getCause());
                assertTrue(
                        answer.getCause().getMessage().contains("POOL_GENERATION_STALE"),
                        answer.getCause().getMessage());
                assertTrue(next.get(15, TimeUnit.SECONDS).isSuccess());
                assertTrue(client.async()
                        .send(write("after"))
                        .get(15, TimeUnit.SECONDS)
                        .isSuccess());
                assertEquals(1, listener.refusals.get(), "refusals");
            }
        }
    }

    private static Message write(String label) {
        PoolCommand command = new PoolCommand(
                "refused-write/" + label, 0, 0, new Operation.VmParamSet(VmId.random(), "name-label", label));
        return Message.valueOf(ByteString.copyFrom(CommandCodec.encodeBatch(List.of(command))));
    }

    /** Refuses the next write once, as a master's generation guard refuses one of a stale generation. */
    private static final class RefusingOnce implements ApplyListener {
        final AtomicBoolean refuseNext = new AtomicBoolean();
        final AtomicInteger refusals = new AtomicInteger();

        @Override
        public void applied(long logIndex, List<AppliedCommand> commands, AppliedState after) {}

        @Override
        public void beforeWrite() throws IOException {
            if (refuseNext.compareAndSet(true, false)) {
                refusals.incrementAndGet();
                throw new IOException("POOL_GENERATION_STALE: a newer generation exists");
            }
        }
    }
}
