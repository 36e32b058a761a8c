package io.poolkeeper.ratis;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.server.RaftServer;

/**
 * The write path of a member that leads its group: a batch goes straight to this JVM's Raft server instead of
 * through the member's own Raft client, which would cross gRPC on loopback twice (serialisation, event loops and
 * executors both ways) for every entry. A member that does not lead, and a batch the server refuses because
 * leadership moved (not leader, not ready, stepping down), goes through the Raft client, which finds the leader.
 *
 * <p>Re-sending such a batch is safe because every command of a batch carries a request id ({@link CommandBatcher}):
 * one that was committed before leadership moved is answered from the pool's record of applied requests, not
 * applied again. Batches are appended on this class's own thread, never the caller's (which may hold locks that a
 * Ratis thread holding the server's monitor waits for); answers complete on its own threads, never on the Raft apply
 * thread.
 */
final class LeaderShortcut implements AutoCloseable {
    private final RaftServer server;
    private final RaftGroupId group;
    private final RaftPeerId self;
    private final RenewingClient client;
    /** Requests of the shortcut have their own client id: Ratis's retry cache keys on (client id, call id). */
    private final ClientId clientId = ClientId.randomId();

    private final AtomicLong callIds = new AtomicLong();
    /** Appends batches, one at a time and in order. */
    private final ExecutorService worker;
    /**
     * Completes answers, as the Raft client's own threads would: a callback that waits for another write's answer
     * must not hold up the thread that delivers it.
     */
    private final ExecutorService answers;

    LeaderShortcut(RaftServer server, RaftGroupId group, RaftPeerId self, RenewingClient client) {
        this.server = server;
        this.group = group;
        this.self = self;
        this.client = client;
        this.worker = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, self + "-shortcut");
            thread.setDaemon(true);
            return thread;
        });
        this.answers = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, self + "-shortcut-answers");
            thread.setDaemon(true);
            return thread;
        });
    }

    CompletableFuture<RaftClientReply> send(Message message) {
        if (!leading()) {
            return client.send(message);
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(self)
                .setGroupId(group)
                .setCallId(callIds.incrementAndGet())
                .setMessage(message)
                .setType(RaftClientRequest.writeRequestType())
                .build();
        CompletableFuture<RaftClientReply> answer = new CompletableFuture<>();
        try {
            // On this class's thread, never the caller's: the caller may hold a lock that a Ratis thread holding
            // the server's monitor (a leader stepping down) waits for, and appending takes that monitor.
            worker.execute(() -> append(request, message, answer));
        } catch (RejectedExecutionException closed) {
            answer.completeExceptionally(new IllegalStateException("member closed"));
        }
        return answer;
    }

    private void append(RaftClientRequest request, Message message, CompletableFuture<RaftClientReply> answer) {
        CompletableFuture<RaftClientReply> direct;
        try {
            direct = server.submitClientRequestAsync(request);
        } catch (IOException | RuntimeException e) {
            client.send(message).whenComplete((r, error) -> complete(answer, r, error));
            return;
        }
        direct.whenComplete((reply, error) -> {
            try {
                answers.execute(() -> {
                    if (error != null || leadershipMoved(reply)) {
                        client.send(message).whenComplete((r, e) -> complete(answer, r, e));
                    } else {
                        answer.complete(reply);
                    }
                });
            } catch (RejectedExecutionException closed) {
                answer.completeExceptionally(new IllegalStateException("member closed"));
            }
        });
    }

    private static void complete(CompletableFuture<RaftClientReply> answer, RaftClientReply reply, Throwable error) {
        if (error != null) {
            answer.completeExceptionally(error);
        } else {
            answer.complete(reply);
        }
    }

    private boolean leading() {
        try {
            var info = server.getDivision(group).getInfo();
            return info.isLeader() && info.isLeaderReady();
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean leadershipMoved(RaftClientReply reply) {
        Exception e = reply.getException();
        return reply.getNotLeaderException() != null
                || e instanceof NotLeaderException
                || e instanceof LeaderNotReadyException
                || e instanceof LeaderSteppingDownException;
    }

    @Override
    public void close() {
        worker.shutdown();
        answers.shutdown();
    }
}
