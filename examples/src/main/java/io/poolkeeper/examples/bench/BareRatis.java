package io.poolkeeper.examples.bench;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.ratis.RaftSettings;
import io.poolkeeper.testing.Ports;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.ExitUtils;

/**
 * Three bare Ratis servers on loopback running {@link CounterStateMachine} under a member's {@link RaftSettings}
 * (same storage kind, timeouts, snapshot policy and gRPC transport), and one Raft client: the "one command per log
 * entry" reference the pool's group commit is compared with.
 */
final class BareRatis implements AutoCloseable {
    private static final Message INCREMENT = Message.valueOf("INCREMENT");

    private final List<RaftServer> servers = new ArrayList<>();
    private RaftClient client;

    private BareRatis() {}

    static BareRatis start(Path dir, MemberTimeouts timeouts) throws IOException {
        ExitUtils.disableSystemExit();
        List<RaftPeer> peers = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (int i = 1; i <= BenchPool.SIZE; i++) {
            int port = Ports.free();
            ports.add(port);
            peers.add(RaftPeer.newBuilder()
                    .setId("bare" + i)
                    .setAddress("127.0.0.1:" + port)
                    .build());
        }
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peers);
        BareRatis bare = new BareRatis();
        try {
            for (int i = 0; i < peers.size(); i++) {
                RaftServer server = RaftServer.newBuilder()
                        .setServerId(peers.get(i).getId())
                        .setGroup(group)
                        .setProperties(
                                RaftSettings.server(dir.resolve("bare" + (i + 1)), "127.0.0.1", ports.get(i), timeouts))
                        .setStateMachineRegistry(gid -> new CounterStateMachine())
                        .setOption(RaftStorage.StartupOption.RECOVER)
                        .build();
                bare.servers.add(server);
                server.start();
            }
            bare.client = RaftClient.newBuilder()
                    .setRaftGroup(group)
                    .setProperties(RaftSettings.client(timeouts))
                    .setRetryPolicy(RaftSettings.retryPolicy(timeouts))
                    .build();
            // The first write waits for the election.
            RaftClientReply first = bare.client.io().send(INCREMENT);
            if (!first.isSuccess()) {
                throw new IOException("bare Ratis: first write failed", first.getException());
            }
        } catch (IOException | RuntimeException e) {
            bare.close();
            throw e;
        }
        return bare;
    }

    /** One increment: one async client send, one log entry. */
    CompletableFuture<RaftClientReply> increment() {
        return client.async().send(INCREMENT).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new IllegalStateException("not committed", reply.getException());
            }
            return reply;
        });
    }

    @Override
    public void close() {
        try {
            if (client != null) {
                client.close();
            }
            for (RaftServer s : servers) {
                s.close();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
