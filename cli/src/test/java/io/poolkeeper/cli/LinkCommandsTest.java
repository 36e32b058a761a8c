package io.poolkeeper.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code link-cut}, {@code link-heal}, {@code host-pull-cable} and {@code host-plug-cable} against real members in
 * this JVM that allow fault injection, and the refusal of members that do not.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LinkCommandsTest {
    /** Emergency mode far away: a member cut off from its master stays NO_MASTER for the whole test. */
    private static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(100),
            Duration.ofSeconds(2),
            Duration.ofSeconds(60),
            Duration.ofMillis(300),
            Duration.ofMillis(600),
            Duration.ofSeconds(5));

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private TestingPool pool(int size, boolean allow) {
        return TestingPool.builder(dir)
                .timeouts(TIMEOUTS)
                .allowFaultInjection(allow)
                .start(size);
    }

    private static CliRunner.Result ok(CliRunner cli, String... args) {
        CliRunner.Result r = cli.run(args);
        assertEquals(ExitStatus.OK, r.status(), String.join(" ", args) + "\n" + r);
        return r;
    }

    private static void fails(CliRunner cli, int status, String start, String... args) {
        CliRunner.Result r = cli.run(args);
        assertEquals(status, r.status(), String.join(" ", args) + "\n" + r);
        assertTrue(r.err().startsWith(start), r.err());
    }

    private static String role(CliRunner cli, String address) {
        return cli.run("host-get-role", "-s", address).value();
    }

    @Test
    void aOneWayCutMakesTheSlaveLoseItsMasterUntilHealed() {
        try (TestingPool pool = pool(3, true)) {
            CliRunner cli = CliRunner.of(pool);
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            String masterUuid = pool.host(master).toString();
            String slaveAddress = pool.address(slave);

            CliRunner.Result cut = ok(cli, "link-cut", "from=host" + (master + 1), "address=" + slaveAddress);

            assertEquals(masterUuid, cut.value(), "the hosts the slave drops, by uuid");
            await("the slave loses its master").atMost(WAIT).until(() -> role(cli, slaveAddress)
                    .equals("NO_MASTER"));
            assertEquals("MASTER", role(cli, pool.address(master)));
            assertEquals(
                    "{\"blocked-from\":[\"" + masterUuid + "\"]}",
                    ok(cli, "link-cut", "from=" + masterUuid, "address=" + slaveAddress, "--json")
                            .value(),
                    "a cut is idempotent");

            assertEquals("", ok(cli, "link-heal", "address=" + slaveAddress).value());
            await("the slave follows the master again").atMost(WAIT).until(() -> role(cli, slaveAddress)
                    .equals("SLAVE"));
        }
    }

    @Test
    void pullingASlavesCableCutsItOffBothWaysAtEveryMemberAndPluggingItBack() {
        try (TestingPool pool = pool(3, true)) {
            CliRunner cli = CliRunner.of(pool);
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            int other = pool.others(master).get(1);
            String slaveUuid = pool.host(slave).toString();

            CliRunner.Result pulled = ok(cli, "host-pull-cable", "host=host" + (slave + 1));

            List<String> expected = List.of(
                    pool.host(0) + ": " + (slave == 0 ? pool.host(1) + "," + pool.host(2) : slaveUuid),
                    pool.host(1) + ": " + (slave == 1 ? pool.host(0) + "," + pool.host(2) : slaveUuid),
                    pool.host(2) + ": " + (slave == 2 ? pool.host(0) + "," + pool.host(1) : slaveUuid));
            assertEquals(expected, pulled.out().lines().toList());
            await("the master hears no heartbeat from it: dead").atMost(WAIT).until(() -> cli.run(
                            "host-param-get", "uuid=" + slaveUuid, "param-name=live", "-s", pool.address(master))
                    .value()
                    .equals("false"));
            CliRunner.Result params =
                    ok(cli, "host-param-list", "uuid=" + slaveUuid, "--local", "-s", pool.address(slave));
            assertTrue(params.out().contains("member-role ( RO): NO_MASTER\n"), params.out());
            assertEquals("SLAVE", role(cli, pool.address(other)));

            CliRunner.Result plugged = ok(cli, "host-plug-cable", "uuid=" + slaveUuid, "--json");
            assertEquals(
                    "{\"blocked-from\":{\"" + pool.host(0) + "\":\"\",\"" + pool.host(1) + "\":\"\",\"" + pool.host(2)
                            + "\":\"\"}}",
                    plugged.value());
            await("it follows the master and is live again")
                    .atMost(WAIT)
                    .until(() -> role(cli, pool.address(slave)).equals("SLAVE")
                            && cli.run("host-param-get", "uuid=" + slaveUuid, "param-name=live")
                                    .value()
                                    .equals("true"));
        }
    }

    @Test
    void mistakesAreUsageErrorsOrRefusalsAndChangeNothing() {
        try (TestingPool pool = pool(1, true)) {
            CliRunner cli = CliRunner.of(pool);
            String self = pool.host(0).toString();

            fails(cli, ExitStatus.USAGE, "poolkeeper link-cut: ", "link-cut");
            fails(cli, ExitStatus.USAGE, "poolkeeper link-cut: ", "link-cut", "from=,");
            fails(cli, ExitStatus.REJECTED, "Error HANDLE_INVALID (100)", "link-cut", "from=no-such-host");
            fails(cli, ExitStatus.REJECTED, "Error INVALID_VALUE (102)", "link-cut", "from=" + self);
            fails(
                    cli,
                    ExitStatus.REJECTED,
                    "Error HANDLE_INVALID (100)",
                    "host-pull-cable",
                    "uuid=00000000-0000-4000-8000-00000000dead");
            fails(cli, ExitStatus.USAGE, "poolkeeper host-pull-cable: ", "host-pull-cable");

            assertEquals("", ok(cli, "host-pull-cable", "uuid=" + self).value(), "a lone host has no cable to pull");
            assertEquals("", ok(cli, "link-heal").value(), "nothing was cut");
        }
    }

    @Test
    void membersWithoutTheSwitchRefuseEveryCommand() {
        try (TestingPool pool = pool(2, false)) {
            CliRunner cli = CliRunner.of(pool);
            String host2 = pool.host(1).toString();

            fails(
                    cli,
                    ExitStatus.REJECTED,
                    "Error FAULT_INJECTION_DISABLED (407): This member takes no fault injection",
                    "link-cut",
                    "from=" + host2);
            fails(cli, ExitStatus.REJECTED, "Error FAULT_INJECTION_DISABLED (407)", "link-heal");
            CliRunner.Result pull = cli.run("host-pull-cable", "uuid=" + host2);
            assertEquals(ExitStatus.REJECTED, pull.status(), pull.toString());
            assertTrue(pull.err().contains("was pulled at 0 members but not at " + pool.host(0)), pull.err());
            assertEquals(
                    "SLAVE",
                    role(cli, pool.address(pool.others(pool.awaitMaster()).get(0))));
        }
    }
}
