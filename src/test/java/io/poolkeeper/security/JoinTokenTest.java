package io.poolkeeper.security;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.JoinToken;
import io.poolkeeper.api.JoinTokenInfo;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.boot.MemberBuilder;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.rpc.TransportSecurity;
import io.poolkeeper.testing.SimulatedHypervisor;
import io.poolkeeper.testing.TestingPool;
import io.poolkeeper.tls.CertificateRole;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Join tokens (DESIGN §11) between real members: a new host joins only with a token the pool issued, live and not
 * revoked; every refusal has its code and leaves the pool as it was (hosts, Raft peers, tokens). The refused joiner
 * tries again from the same storage directory each time, so a refusal must not leave it half in the pool's group.
 */
@Timeout(120)
// Mostly waits on its own pool: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("JoinTokenTest")
class JoinTokenTest {
    private static final HostId JOINER = HostId.of("0000000a-0000-4000-8000-00000000701e");
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** What a refused join must leave unchanged, as the master sees it. */
    private record Shape(SortedMap<HostId, Host> hosts, List<HostId> raftPeers, List<JoinTokenInfo> tokens) {}

    private static Shape shape(RatisPoolMember master) {
        var view = master.pool().blocking().read(ReadConsistency.LINEARIZABLE);
        return new Shape(view.hosts(), master.raftPeers(), view.joinTokens());
    }

    private RatisPoolMember joiner(String address, String token) {
        MemberBuilder b = new MemberBuilder()
                // A member certificate of the pool: the token is what is still missing.
                .transportSecurity(joinerCredentials())
                .hostUuid(JOINER)
                .nameLabel("joiner")
                .listenAddress("127.0.0.1:0")
                .storageDirectory(dir.resolve("joiner"))
                .memoryTotal(8L << 30)
                .timeouts(TestingPool.TIMEOUTS)
                .hostAgent(new SimulatedHypervisor(JOINER, 8L << 30))
                .joinPool(address);
        if (token != null) {
            b.joinToken(token);
        }
        return b.build();
    }

    /** The test's pool, whose CA issues the joiner a member certificate. */
    private TestingPool pool;

    private TransportSecurity credentials;

    private TransportSecurity joinerCredentials() {
        if (credentials == null) {
            credentials = pool.tls().orElseThrow().issue(dir.resolve("joiner-tls"), CertificateRole.MEMBER, "joiner");
        }
        return credentials;
    }

    private void refused(RatisPoolMember master, String token, ErrorCode code) {
        Shape before = shape(master);
        RatisPoolMember m = joiner(master.serviceAddress(), token);
        PoolException e = assertThrows(PoolException.class, m::start, () -> "joining with " + token);
        assertEquals(code, e.code(), e.getMessage());
        m.close();
        Shape after = shape(master);
        assertEquals(before.hosts().keySet(), after.hosts().keySet(), "no host added");
        assertEquals(before.raftPeers(), after.raftPeers(), "no Raft peer added");
        assertEquals(before.tokens(), after.tokens(), "tokens unchanged");
    }

    @Test
    void onlyALiveIssuedTokenLetsANewHostJoin() {
        try (TestingPool pool = TestingPool.builder(dir.resolve("pool")).start(2)) {
            this.pool = pool;
            RatisPoolMember master = pool.member(pool.awaitMaster());
            var blocking = master.pool().blocking();

            refused(master, null, ErrorCode.JOIN_TOKEN_REQUIRED);
            refused(master, "not-a-token", ErrorCode.JOIN_TOKEN_INVALID);
            refused(master, "PKJT-0badc0de.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ErrorCode.JOIN_TOKEN_INVALID);

            JoinToken valid = blocking.createJoinToken(Duration.ofMinutes(10));
            // The right id with another secret: refused like an unknown token.
            String wrongSecret = valid.token().substring(0, 14) + "B".repeat(43);
            refused(master, wrongSecret, ErrorCode.JOIN_TOKEN_INVALID);

            JoinToken revoked = blocking.createJoinToken(Duration.ofMinutes(10));
            blocking.revokeJoinToken(revoked.id());
            refused(master, revoked.token(), ErrorCode.JOIN_TOKEN_INVALID);

            JoinToken shortLived = blocking.createJoinToken(Duration.ofMillis(300));
            // Pool time follows the master's monotonic clock from about the wall clock: a margin covers the offset.
            await().atMost(WAIT)
                    .until(() -> System.currentTimeMillis()
                            > shortLived.expiresAt().plusMillis(500).toEpochMilli());
            refused(master, shortLived.token(), ErrorCode.JOIN_TOKEN_EXPIRED);

            // A pool-join submitted as a command (its token id is no secret) never reaches the log.
            try (GrpcPoolClient client = GrpcPoolClient.builder()
                    .transportSecurity(pool.clientSecurity())
                    .members(List.of(master.serviceAddress()))
                    .requestTimeout(Duration.ofSeconds(5))
                    .build()) {
                Operation.HostSpec spec = new Operation.HostSpec(JOINER, "joiner", "127.0.0.1:1", 1L << 30, false);
                ResultCodec.Reply reply = client.pool()
                        .submit(PoolCommand.of(new Operation.PoolJoin(spec, valid.id())))
                        .join();
                assertEquals(
                        ErrorCode.UNKNOWN_OPERATION,
                        reply.rejection().orElseThrow().code());
            }
            assertTrue(!shape(master).hosts().containsKey(JOINER));

            // Events are read by any client: they name the token, never the hash of its secret.
            List<PoolEvent> events = new CopyOnWriteArrayList<>();
            try (Subscription s = master.pool().watch(0, events::add)) {
                await().atMost(WAIT)
                        .until(() -> events.stream().anyMatch(e -> e.name().equals("pool-join-token-revoke")));
            }
            List<PoolEvent> tokenEvents = events.stream()
                    .filter(e -> e.name().startsWith("pool-join-token-"))
                    .toList();
            assertTrue(
                    tokenEvents.stream()
                            .anyMatch(e -> valid.id().equals(e.params().get("id"))),
                    "" + tokenEvents);
            assertTrue(tokenEvents.stream().noneMatch(e -> e.params().containsKey("secret-sha256")), "" + tokenEvents);

            // The same host, from the same storage directory, now joins.
            try (RatisPoolMember joined = joiner(master.serviceAddress(), valid.token())) {
                joined.start();
                await().atMost(WAIT)
                        .until(() -> master.applied().state().hosts().containsKey(JOINER));
                await().atMost(WAIT).until(() -> master.raftPeers().contains(JOINER));
                await().atMost(WAIT).until(() -> joined.role() == MemberRole.SLAVE);
                assertEquals(3, joined.applied().state().hosts().size());
                assertTrue(shape(master).tokens().stream().anyMatch(t -> t.id().equals(valid.id())), "multi-use");
            }
        }
    }
}
