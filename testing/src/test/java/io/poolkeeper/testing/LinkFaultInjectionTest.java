package io.poolkeeper.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.rpc.LinkFaultClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code InjectLinkFault} against real members over gRPC: refused unless the member allows fault injection, and once
 * allowed, a cut really drops what the named host sends (Raft appends, PoolService heartbeats) until healed.
 */
@Timeout(120)
class LinkFaultInjectionTest {
    /** Emergency mode far away, so a member that lost its master stays NO_MASTER for the whole test. */
    private static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(100),
            Duration.ofSeconds(2),
            Duration.ofSeconds(60),
            Duration.ofMillis(300),
            Duration.ofMillis(600),
            Duration.ofSeconds(5));

    private static final Duration CALL = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private TestingPool pool(int size, boolean allow) {
        return TestingPool.builder(dir)
                .timeouts(TIMEOUTS)
                .allowFaultInjection(allow)
                .start(size);
    }

    private static boolean live(TestingPool pool, int viewer, int host) {
        return pool.member(viewer)
                .applied()
                .state()
                .hosts()
                .get(pool.host(host))
                .live();
    }

    @Test
    void aMemberWithoutTheSwitchRefusesAndAMemberOfAnotherPoolIsRefused() {
        try (TestingPool pool = pool(1, false);
                LinkFaultClient client = LinkFaultClient.connect(pool.address(0), pool.clientSecurity(), "", CALL)) {
            HostId stranger = HostId.of("0000000a-0000-4000-8000-000000000000");

            PoolException e = assertThrows(PoolException.class, () -> client.cut(List.of(stranger)));

            assertEquals(ErrorCode.FAULT_INJECTION_DISABLED, e.code());
            assertEquals(
                    "member " + pool.host(0) + " was started without fault injection",
                    e.getMessage()
                            .substring(ErrorCode.FAULT_INJECTION_DISABLED.name().length() + 2));
            assertEquals(MemberRole.MASTER, pool.member(0).role());
        }
        try (TestingPool pool = pool(1, true);
                LinkFaultClient foreign = LinkFaultClient.connect(
                        pool.address(0), pool.clientSecurity(), PoolId.random().toString(), CALL)) {
            PoolException e = assertThrows(PoolException.class, () -> foreign.cut(List.of(pool.host(0))));

            assertEquals(ErrorCode.POOL_MISMATCH, e.code());
        }
    }

    @Test
    void aSlaveThatDropsWhatTheMasterSendsLosesItsMasterUntilHealed() {
        try (TestingPool pool = pool(3, true)) {
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            int other = pool.others(master).get(1);
            try (LinkFaultClient client =
                    LinkFaultClient.connect(pool.address(slave), pool.clientSecurity(), "", CALL)) {
                assertEquals(List.of(pool.host(master)), client.cut(List.of(pool.host(master))));
                assertEquals(
                        pool.member(master)
                                .applied()
                                .state()
                                .pool()
                                .orElseThrow()
                                .uuid()
                                .toString(),
                        client.pool(),
                        "the connection is pinned to the member's pool");

                await("the slave loses its master")
                        .atMost(WAIT)
                        .until(() -> pool.member(slave).role() == MemberRole.NO_MASTER);
                assertEquals(MemberRole.MASTER, pool.member(master).role(), "the master keeps a majority");
                assertEquals(MemberRole.SLAVE, pool.member(other).role());
                assertEquals(List.of(pool.host(master)), client.blockedFrom());

                assertEquals(List.of(), client.healAll());
                await("the slave follows the master again")
                        .atMost(WAIT)
                        .until(() -> pool.member(slave).role() == MemberRole.SLAVE);
                assertEquals(pool.host(pool.awaitMaster()), pool.host(master));
            }
        }
    }

    @Test
    void aMasterThatDropsWhatASlaveSendsHearsNoHeartbeatAndMarksItDeadUntilHealed() {
        try (TestingPool pool = pool(2, true)) {
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            try (LinkFaultClient client =
                    LinkFaultClient.connect(pool.address(master), pool.clientSecurity(), "", CALL)) {
                client.cut(List.of(pool.host(slave)));

                await("the slave's heartbeats are dropped: it is marked dead")
                        .atMost(WAIT)
                        .until(() -> !live(pool, master, slave));

                assertEquals(List.of(), client.heal(List.of(pool.host(slave))));
                await("its next heartbeat makes it live")
                        .atMost(WAIT)
                        .until(() -> pool.soleMaster().isPresent()
                                && live(pool, pool.soleMaster().get(), slave));
            }
        }
    }
}
