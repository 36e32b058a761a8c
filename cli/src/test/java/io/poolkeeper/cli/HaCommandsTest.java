package io.poolkeeper.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.port.LogPosition;
import io.poolkeeper.port.MemberService;
import io.poolkeeper.rpc.PoolServer;
import io.poolkeeper.rpc.TransportSecurity;
import io.poolkeeper.testing.Ports;
import io.poolkeeper.testing.TestingPool;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's HA commands and fields: {@code pool-ha-enable [ha-timeout=]}, {@code pool-ha-disable}, the pool's
 * {@code ha-enabled}/{@code ha-timeout}, a host's {@code ha-enabled}, {@code live} and {@code member-role}, and
 * {@code host-get-role} of a fenced member.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HaCommandsTest {
    @TempDir
    Path dir;

    private static CliRunner.Result ok(CliRunner cli, String... args) {
        CliRunner.Result r = cli.run(args);
        assertEquals(ExitStatus.OK, r.status(), String.join(" ", args) + "\n" + r);
        return r;
    }

    private static void refused(CliRunner cli, String code, String... args) {
        CliRunner.Result r = cli.run(args);
        assertEquals(ExitStatus.REJECTED, r.status(), String.join(" ", args) + "\n" + r);
        assertTrue(r.err().startsWith("Error " + code + " ("), r.err());
    }

    @Test
    void haEnableAndDisableShowInThePoolsAndEveryHostsParameters() {
        try (TestingPool pool = TestingPool.start(dir, 2)) {
            CliRunner cli = CliRunner.of(pool);
            int master = pool.awaitMaster();
            String masterUuid = pool.host(master).toString();
            String slaveUuid = pool.host(1 - master).toString();
            CliRunner.Result before = ok(cli, "host-param-list", "uuid=" + slaveUuid);
            assertTrue(before.out().contains("ha-enabled ( RO): false\n"), before.out());

            ok(cli, "pool-ha-enable", "ha-timeout=20s");

            CliRunner.Result poolParams = ok(cli, "pool-param-list");
            assertTrue(poolParams.out().contains(" ha-enabled ( RO): true\n"), poolParams.out());
            assertTrue(poolParams.out().contains(" ha-timeout ( RW): 20\n"), poolParams.out());
            CliRunner.Result slave = ok(cli, "host-param-list", "uuid=" + slaveUuid);
            assertTrue(slave.out().contains("       live ( RO): true\n"), slave.out());
            assertTrue(slave.out().contains(" ha-enabled ( RO): true\n"), slave.out());
            assertTrue(slave.out().endsWith("member-role ( RO): SLAVE\n\n"), slave.out());
            assertEquals(
                    "MASTER",
                    ok(cli, "host-param-get", "uuid=" + masterUuid, "param-name=member-role")
                            .value());
            assertEquals(
                    "SLAVE",
                    ok(cli, "host-param-list", "uuid=" + slaveUuid, "--json")
                            .json()
                            .getAsJsonObject()
                            .get("member-role")
                            .getAsString());
            refused(cli, "HA_IS_ENABLED", "pool-ha-enable");

            ok(cli, "pool-ha-disable");

            assertEquals(
                    "false", ok(cli, "pool-param-get", "param-name=ha-enabled").value());
            assertEquals(
                    "false",
                    ok(cli, "host-param-get", "uuid=" + slaveUuid, "param-name=ha-enabled")
                            .value());
            assertEquals(
                    "20", ok(cli, "pool-param-get", "param-name=ha-timeout").value(), "T is kept");
            refused(cli, "HA_NOT_ENABLED", "pool-ha-disable");
            assertEquals(
                    ExitStatus.USAGE, cli.run("pool-ha-enable", "ha-timeout=0s").status());
            assertEquals(
                    ExitStatus.USAGE,
                    cli.run("pool-ha-enable", "ha-timeout=soon").status());
            assertEquals(
                    "false", ok(cli, "pool-param-get", "param-name=ha-enabled").value());
        }
    }

    /** The planner's answers through the CLI: protecting a VM in a 2-host pool leaves room for one failure only. */
    @Test
    void computeMaxHostFailuresToTolerateAndItsHypotheticalVariant() {
        try (TestingPool pool = TestingPool.start(dir, 2)) {
            CliRunner cli = CliRunner.of(pool);
            pool.awaitMaster();
            String max = "pool-ha-compute-max-host-failures-to-tolerate";
            String hypothetical = "pool-ha-compute-hypothetical-max-host-failures-to-tolerate";
            assertEquals("2", ok(cli, max).value(), "no protected VM: every host may fail");
            String vm = ok(cli, "vm-create", "name-label=db", "memory=1GiB", "ha-restart-priority=restart")
                    .value();
            ok(cli, "vm-start", "uuid=" + vm);
            assertEquals("1", ok(cli, max).value(), "one host must stay to run it");
            assertEquals(
                    "2", ok(cli, hypothetical, "configuration:db=best-effort").value());
            assertEquals(
                    "1",
                    ok(cli, hypothetical, "configuration:" + vm + "=restart").value());
            assertEquals("2", ok(cli, hypothetical).value(), "an empty configuration protects nothing");
            refused(cli, "HANDLE_INVALID", hypothetical, "configuration:" + java.util.UUID.randomUUID() + "=restart");
            assertEquals(
                    ExitStatus.USAGE,
                    cli.run(hypothetical, "configuration:db=always").status());
        }
    }

    @Test
    void theMemberRoleOfAHostWhoseMemberIsDownIsUnreachable() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            CliRunner cli = CliRunner.of(pool);
            int slave = pool.slaves().get(0);
            String slaveUuid = pool.host(slave).toString();

            pool.kill(slave);

            await("the master marks it dead").atMost(Duration.ofSeconds(30)).until(() -> cli.run(
                            "host-param-get", "uuid=" + slaveUuid, "param-name=live")
                    .value()
                    .equals("false"));
            CliRunner.Result params = ok(cli, "host-param-list", "uuid=" + slaveUuid);
            assertTrue(params.out().contains("member-role ( RO): <unreachable>\n"), params.out());
        }
    }

    @Test
    void aFencedMemberSaysFencedThroughGetMemberStatusAndTheCli() {
        MemberService fenced = member(HostId.of("0000000f-0000-4000-8000-000000000000"), MemberRole.FENCED);
        try (PoolServer server = PoolServer.start(
                "127.0.0.1", Ports.free(), fenced, Optional.empty(), Optional.empty(), TransportSecurity.insecure())) {
            String address = "127.0.0.1:" + server.port();
            CliRunner cli = new CliRunner(java.util.List.of(address));

            assertEquals("FENCED", ok(cli, "host-get-role").value());
            assertEquals(
                    "{\"role\":\"FENCED\"}", ok(cli, "host-get-role", "--json").value());
            assertEquals("false", ok(cli, "host-is-in-emergency-mode").value());
        }
    }

    /** A member that only reports itself ({@code GetMemberStatus}): in no pool, in the given role. */
    private static MemberService member(HostId host, MemberRole role) {
        return (MemberService) Proxy.newProxyInstance(
                MemberService.class.getClassLoader(),
                new Class<?>[] {MemberService.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "hostId" -> host;
                    case "role" -> role;
                    case "fenceComplete" -> role == MemberRole.FENCED;
                    case "generation" -> 1L;
                    case "isInEmergencyMode" -> false;
                    case "raftAddress" -> "127.0.0.1:1";
                    case "applied" -> AppliedState.empty();
                    case "logPosition" -> LogPosition.NONE;
                    case "toString" -> "member " + host + " (" + role + ")";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
