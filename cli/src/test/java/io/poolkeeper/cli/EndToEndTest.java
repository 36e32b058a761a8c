package io.poolkeeper.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.testing.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code poolkeeper member} processes (real JVMs, this test's class path) driven through the CLI: a VM started,
 * its slave killed with SIGKILL, marked dead by the master, forgotten with host-forget, the VM restarted elsewhere;
 * another member stopped with SIGTERM (a clean exit) and restarted on its directory.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class EndToEndTest {
    private static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(250),
            Duration.ofMillis(1500),
            Duration.ofSeconds(4),
            Duration.ofMillis(400),
            Duration.ofMillis(800),
            Duration.ofSeconds(5));
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<MemberProcess> members = new ArrayList<>();

    @AfterEach
    void killMembers() {
        members.forEach(MemberProcess::kill);
    }

    private MemberProcess member(int i) {
        MemberProcess m = new MemberProcess(
                "host" + i,
                HostId.of(String.format("%08d-0000-4000-8000-00000000000%d", i, i)),
                Ports.freePair(),
                dir.resolve("host" + i),
                TIMEOUTS);
        members.add(m);
        return m;
    }

    @Test
    void slaveKilledForgottenAndItsVmRestartedElsewhere() throws Exception {
        MemberProcess host1 = member(1);
        host1.start(List.of("--create-pool", "e2e", "--http-listen", "127.0.0.1:0"));
        String ready = host1.awaitReady(START);
        assertTrue(ready.contains("address=" + host1.address() + " role=MASTER"), ready);
        // --http-listen: the member process serves its read-only status page.
        String page = ready.substring(ready.indexOf("status-page=") + "status-page=".length());
        java.net.http.HttpResponse<String> status = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(page + "api/status"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, status.statusCode(), status.body());
        assertTrue(status.body().contains("\"role\":\"MASTER\""), status.body());
        MemberProcess host2 = member(2);
        MemberProcess host3 = member(3);
        CliRunner.Result created = new CliRunner(List.of(host1.address())).run("pool-join-token-create", "--minimal");
        assertEquals(0, created.status(), created.toString());
        String token = created.value();
        // Both ways of passing the token: the option, and the environment (kept out of the process list).
        host2.start(List.of("--join", host1.address(), "--join-token", token));
        host3.join(host1.address(), token);
        host2.awaitReady(START);
        host3.awaitReady(START);

        CliRunner cli =
                new CliRunner(members.stream().map(MemberProcess::address).toList());
        assertEquals(
                host1.host() + "," + host2.host() + "," + host3.host(),
                cli.run("host-list", "--minimal").value());
        String sr = ok(cli, "sr-create", "name-label=nfs", "type=nfs", "shared=true")
                .value();
        ok(cli, "pool-param-set", "default-SR=" + sr);
        String vm = ok(cli, "vm-create", "name-label=db", "memory=2GiB").value();
        assertEquals(
                host3.host().toString(),
                ok(cli, "vm-start", "vm=db", "on=host3").value());

        host3.kill();
        CliRunner survivors = new CliRunner(List.of(host1.address(), host2.address()));
        CliRunner.Result early = survivors.run("host-forget", "host=host3");
        assertEquals(ExitStatus.REJECTED, early.status(), "host-forget of a host not yet dead: " + early);
        assertTrue(early.err().startsWith("Error HOST_IS_LIVE"), early.err());
        await("host3 marked dead")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> survivors
                        .run("host-param-get", "uuid=" + host3.host(), "param-name=live")
                        .value()
                        .equals("false"));
        assertEquals(
                "running",
                ok(survivors, "vm-param-get", "uuid=" + vm, "param-name=power-state")
                        .value());

        assertEquals(vm, ok(survivors, "host-forget", "host=host3").value());
        assertEquals(
                "halted",
                ok(survivors, "vm-param-get", "uuid=" + vm, "param-name=power-state")
                        .value());
        assertEquals(
                host1.host() + "," + host2.host(),
                ok(survivors, "host-list", "--minimal").value());
        String on = ok(survivors, "vm-start", "vm=db").value();
        assertTrue(on.equals(host1.host().toString()) || on.equals(host2.host().toString()), on);
        assertEquals(
                on,
                ok(survivors, "vm-param-get", "uuid=" + vm, "param-name=resident-on")
                        .value());

        // SIGTERM closes a member cleanly; restarted on its directory and port, it is back in the pool.
        host2.stop();
        assertFalse(host2.alive());
        String log = Files.readString(host2.log());
        assertTrue(
                log.contains("poolkeeper member stopped: host-uuid=" + host2.host()),
                log.substring(Math.max(0, log.length() - 3000)));
        host2.start(List.of());
        assertTrue(host2.awaitReady(START).contains("generation=1"));
        await("host2 live again")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> survivors
                        .run("host-param-get", "uuid=" + host2.host(), "param-name=live")
                        .value()
                        .equals("true"));
        // Back in the pool, under one master: with two voters, one stopped, the other lost its majority and stepped
        // down, so the election after the restart may make either of them master.
        await("one master, one slave")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> roles(survivors, host1, host2).equals(List.of("MASTER", "SLAVE")));
    }

    /** The members' roles as they report them, sorted. */
    private static List<String> roles(CliRunner cli, MemberProcess... members) {
        List<String> roles = new ArrayList<>();
        for (MemberProcess m : members) {
            roles.add(cli.run("host-get-role", "-s", m.address()).value());
        }
        roles.sort(null);
        return roles;
    }

    private static CliRunner.Result ok(CliRunner cli, String... args) {
        CliRunner.Result r = cli.run(args);
        assertEquals(ExitStatus.OK, r.status(), String.join(" ", args) + "\n" + r);
        return r;
    }
}
