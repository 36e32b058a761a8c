package io.poolkeeper.ratis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.testing.Ports;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.util.ExitUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Followers whose append of a batch of entries fails once take the leader's next batches again: under a member's
 * {@link RaftSettings}, one failed append does not leave a follower refusing every later one.
 *
 * <p>Ratis 3.3.0 by default chains a follower's appends on one future ({@code append-entries.compose.enabled}); once
 * a link of that chain fails, every later append fails with the same exception without running, so the follower
 * never catches up again while its division lives. Seen in the nemesis test (seed 70764395162356): a member wiped
 * and re-added after a fence took a snapshot, then one pipelined batch failed, and the Raft configuration change
 * that re-admitted it waited for its catch-up until it timed out, again and again.
 */
@Timeout(60)
class FollowerAppendFailureTest {
    @TempDir
    Path dir;

    @Test
    void followersWhoseAppendFailedOnceCatchUp() throws Exception {
        ExitUtils.disableSystemExit();
        List<RaftPeer> peers = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            peers.add(RaftPeer.newBuilder()
                    .setId("s" + i)
                    .setAddress("127.0.0.1:" + Ports.free())
                    .build());
        }
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
        List<RaftServer> servers = new ArrayList<>();
        List<Counting> machines = new ArrayList<>();
        try {
            for (RaftPeer peer : peers) {
                Counting machine = new Counting();
                machines.add(machine);
                int port = Integer.parseInt(peer.getAddress().split(":")[1]);
                RaftServer server = RaftServer.newBuilder()
                        .setServerId(peer.getId())
                        .setGroup(group)
                        .setProperties(RaftSettings.server(
                                dir.resolve(peer.getId().toString()), "127.0.0.1", port, MemberTimeouts.defaults()))
                        .setStateMachine(machine)
                        .build();
                servers.add(server);
                server.start();
            }
            try (RaftClient client = RaftClient.newBuilder()
                    .setRaftGroup(group)
                    .setProperties(RaftSettings.client(MemberTimeouts.defaults()))
                    .setRetryPolicy(RaftSettings.retryPolicy(MemberTimeouts.defaults()))
                    .build()) {
                assertTrue(client.io().send(Message.valueOf("first")).isSuccess());
                // Every server refuses its next follower-side append once: the leader of the moment has none, so
                // the followers do, whichever they are when the writes go (a leader may change on a loaded machine).
                // With the appends chained, both followers then refuse everything and no write commits.
                machines.forEach(m -> m.failNextAppend.set(true));

                List<CompletableFuture<RaftClientReply>> writes = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    writes.add(client.async().send(Message.valueOf("w" + i)));
                }
                // Bounded: join() does not heed the test's timeout, and with the appends chained no write commits.
                for (CompletableFuture<RaftClientReply> w : writes) {
                    assertTrue(w.get(30, TimeUnit.SECONDS).isSuccess());
                }
                assertTrue(
                        machines.stream().anyMatch(m -> m.failed.get()),
                        "no follower's append was failed: the test tested nothing");
                long leaderApplied = 201;
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> machines.stream().allMatch(m -> m.applied.get() >= leaderApplied));
            }
        } finally {
            for (RaftServer s : servers) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing the rest matters more
                }
            }
        }
    }

    /** Counts the entries it applies; may fail one follower-side append on demand. */
    private static final class Counting extends BaseStateMachine {
        final AtomicLong applied = new AtomicLong();
        final AtomicBoolean failNextAppend = new AtomicBoolean();
        final AtomicBoolean failed = new AtomicBoolean();

        @Override
        public TransactionContext startTransaction(LogEntryProto entry, RaftPeerRole role) {
            if (failNextAppend.compareAndSet(true, false)) {
                failed.set(true);
                throw new IllegalStateException("injected: this follower's append of " + entry.getIndex() + " fails");
            }
            return super.startTransaction(entry, role);
        }

        @Override
        public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
            applied.incrementAndGet();
            updateLastAppliedTermIndex(
                    trx.getLogEntry().getTerm(), trx.getLogEntry().getIndex());
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
    }
}
