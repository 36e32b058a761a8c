package io.poolkeeper.ratis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.client.api.AdminApi;
import org.apache.ratis.client.api.AsyncApi;
import org.apache.ratis.client.api.BlockingApi;
import org.apache.ratis.client.api.DataStreamApi;
import org.apache.ratis.client.api.GroupManagementApi;
import org.apache.ratis.client.api.LeaderElectionManagementApi;
import org.apache.ratis.client.api.MessageStreamApi;
import org.apache.ratis.client.api.SnapshotManagementApi;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RenewingClient} against a real one-server Ratis group: a client replaced by a leader switch while an admin
 * call runs on it stays open until that call ends (closing it under the call failed a joining host's configuration
 * change), and is closed once it has; a client Ratis has given up is replaced by one aimed at the latest leader, and
 * not more often than every 100 ms.
 */
@Timeout(60)
class RenewingClientTest {
    private static final RaftPeerId SELF = RaftPeerId.valueOf("s1");
    /** What the first client pretends to aim at, so that news of the real leader makes the member switch. */
    private static final RaftPeerId ELSEWHERE = RaftPeerId.valueOf("elsewhere");

    @TempDir
    Path dir;

    /** A one-server group, fresh for each test. */
    private final RaftPeer peer = RaftPeer.newBuilder()
            .setId(SELF)
            .setAddress("127.0.0.1:" + Ports.free())
            .build();

    private final RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peer);

    @Test
    void aClientReplacedUnderAnAdminCallIsClosedOnlyOnceTheCallEnds() throws Exception {
        try (RaftServer server = server(group, peer)) {
            server.start();
            List<Recorded> built = new CopyOnWriteArrayList<>();
            try (RenewingClient renewing = warmSwitching(built)) {
                Recorded first = built.get(0);

                RaftClientReply reply = renewing.admin(admin -> {
                    renewing.leaderChanged(SELF);
                    // A second piece of news asks the new client where it aims: by then the switcher has finished the
                    // first switch, retirement of the old client included (one switcher thread, in order).
                    renewing.leaderChanged(SELF);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> built.size() == 2
                                    && built.get(1).leaderAsked.get() > 0);
                    assertFalse(first.closed.get(), "the client under the admin call was closed by the switch");
                    return admin.setConfiguration(List.of(peer));
                });

                assertTrue(reply.isSuccess(), reply.toString());
                await().atMost(Duration.ofSeconds(10)).untilTrue(first.closed);
                assertFalse(built.get(1).closed.get(), "the client of the moment stays open");
                assertTrue(renewing.send(Message.valueOf("after")).join().isSuccess());
            }
        }
    }

    @Test
    void aClientReplacedWithASendUnansweredStaysOpenUntilTheSendIsAnswered() throws Exception {
        Echo echo = new Echo();
        try (RaftServer server = server(group, peer, echo)) {
            server.start();
            List<Recorded> built = new CopyOnWriteArrayList<>();
            try (RenewingClient renewing = warmSwitching(built)) {
                Recorded first = built.get(0);
                echo.gate = new CompletableFuture<>();
                CompletableFuture<RaftClientReply> held = renewing.send(Message.valueOf("held"));

                renewing.leaderChanged(SELF);
                await().atMost(Duration.ofSeconds(10)).until(() -> built.size() == 2);
                // Its own attempt may reach the new leader first (after a failover, it did): closed now, its answer
                // would be lost and the send would wait for the one sent again. (Before, it was closed within
                // milliseconds of the switch.)
                await().during(Duration.ofMillis(500))
                        .atMost(Duration.ofSeconds(5))
                        .alias("a client carrying an unanswered send was closed by the switch")
                        .until(() -> !first.closed.get());

                echo.gate.complete(null);
                assertTrue(held.get(10, TimeUnit.SECONDS).isSuccess());
                await().atMost(Duration.ofSeconds(10)).untilTrue(first.closed);
                assertFalse(built.get(1).closed.get(), "the client of the moment stays open");
            }
        }
    }

    /**
     * A client whose first Raft client says it aims elsewhere, so that news of the real leader makes it switch (each
     * client built is added to {@code built}), once a first send has gone through.
     */
    private RenewingClient warmSwitching(List<Recorded> built) {
        RenewingClient renewing = new RenewingClient(leader -> {
            Recorded c = new Recorded(real(group), built.isEmpty() ? ELSEWHERE : SELF);
            built.add(c);
            return c;
        });
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> renewing.send(Message.valueOf("warm")).join().isSuccess());
        return renewing;
    }

    @Test
    void aGivenUpClientIsReplacedByOneAimedAtTheLatestLeader() throws Exception {
        try (RaftServer server = server(group, peer)) {
            server.start();
            List<RaftPeerId> aimedAt = new CopyOnWriteArrayList<>();
            Recorded first = new Recorded(real(group), ELSEWHERE);
            RenewingClient renewing = new RenewingClient(leader -> {
                aimedAt.add(leader);
                if (aimedAt.size() == 1) {
                    return first;
                }
                // The client the leader news brings is one Ratis has given up: closed, every send fails.
                return aimedAt.size() == 2 ? closed(group) : real(group);
            });
            try (renewing) {
                renewing.leaderChanged(SELF);
                // The switch retires the first client once the second has taken over.
                await().atMost(Duration.ofSeconds(10)).untilTrue(first.closed);

                assertTrue(renewing.send(Message.valueOf("given up"))
                        .handle((r, e) -> e != null)
                        .get(10, TimeUnit.SECONDS));
                await().atMost(Duration.ofSeconds(10)).until(() -> aimedAt.size() == 3);
                assertEquals(SELF, aimedAt.get(2), "the replacement's leader guess");
                await().atMost(Duration.ofSeconds(30))
                        .ignoreExceptions()
                        .until(() ->
                                renewing.send(Message.valueOf("after")).join().isSuccess());
            }
        }
    }

    @Test
    void clientsGivenUpAtTheirFirstSendAreReplacedAtMostEveryHundredMilliseconds() throws Exception {
        AtomicInteger built = new AtomicInteger();
        try (RenewingClient renewing = new RenewingClient(leader -> {
            built.incrementAndGet();
            return closed(group);
        })) {
            long start = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                assertTrue(renewing.send(Message.valueOf("w" + i))
                        .handle((r, e) -> e != null)
                        .get(10, TimeUnit.SECONDS));
            }
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // The first client, then at most one replacement per 100 ms (and one more for the partial gap).
            long bound = 2 + elapsedMs / 100;
            assertTrue(built.get() <= bound, built.get() + " clients built in " + elapsedMs + " ms");
            assertTrue(built.get() >= 2, "a given-up client was never replaced");
        }
    }

    /** A real client, closed: Ratis fails its every send with an AlreadyClosedException, as it does a given-up one. */
    private static RaftClient closed(RaftGroup group) {
        RaftClient c = real(group);
        try {
            c.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return c;
    }

    private RaftServer server(RaftGroup group, RaftPeer peer) throws IOException {
        return server(group, peer, new Echo());
    }

    private RaftServer server(RaftGroup group, RaftPeer peer, Echo echo) throws IOException {
        RaftProperties p = RaftSettings.server(
                dir, "127.0.0.1", Integer.parseInt(peer.getAddress().split(":")[1]), MemberTimeouts.defaults());
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, false);
        return RaftServer.newBuilder()
                .setServerId(SELF)
                .setGroup(group)
                .setProperties(p)
                .setStateMachine(echo)
                .build();
    }

    private static RaftClient real(RaftGroup group) {
        return RaftClient.newBuilder()
                .setRaftGroup(group)
                .setLeaderId(SELF)
                .setProperties(RaftSettings.client(MemberTimeouts.defaults()))
                .build();
    }

    /** Applies nothing, answers every entry, once {@link #gate} is open. */
    private static final class Echo extends BaseStateMachine {
        volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

        @Override
        public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
            updateLastAppliedTermIndex(
                    trx.getLogEntry().getTerm(), trx.getLogEntry().getIndex());
            return gate.thenApply(open -> Message.EMPTY);
        }
    }

    /** A real client that records being closed and asked its leader, and may say it aims elsewhere than it does. */
    private static final class Recorded implements RaftClient {
        final RaftClient real;
        final RaftPeerId saysLeader;
        final AtomicBoolean closed = new AtomicBoolean();
        final AtomicInteger leaderAsked = new AtomicInteger();

        Recorded(RaftClient real, RaftPeerId saysLeader) {
            this.real = real;
            this.saysLeader = saysLeader;
        }

        @Override
        public ClientId getId() {
            return real.getId();
        }

        @Override
        public RaftGroupId getGroupId() {
            return real.getGroupId();
        }

        @Override
        public RaftPeerId getLeaderId() {
            leaderAsked.incrementAndGet();
            return saysLeader;
        }

        @Override
        public RaftClientRpc getClientRpc() {
            return real.getClientRpc();
        }

        @Override
        public AdminApi admin() {
            return real.admin();
        }

        @Override
        public GroupManagementApi getGroupManagementApi(RaftPeerId server) {
            return real.getGroupManagementApi(server);
        }

        @Override
        public SnapshotManagementApi getSnapshotManagementApi() {
            return real.getSnapshotManagementApi();
        }

        @Override
        public SnapshotManagementApi getSnapshotManagementApi(RaftPeerId server) {
            return real.getSnapshotManagementApi(server);
        }

        @Override
        public LeaderElectionManagementApi getLeaderElectionManagementApi(RaftPeerId server) {
            return real.getLeaderElectionManagementApi(server);
        }

        @Override
        public BlockingApi io() {
            return real.io();
        }

        @Override
        public AsyncApi async() {
            return real.async();
        }

        @Override
        public MessageStreamApi getMessageStreamApi() {
            return real.getMessageStreamApi();
        }

        @Override
        public DataStreamApi getDataStreamApi() {
            return real.getDataStreamApi();
        }

        @Override
        public void close() throws IOException {
            closed.set(true);
            real.close();
        }
    }
}
