package io.poolkeeper.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.testing.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN §9.4: a cable pulled between member processes through the test-only switch. Three {@code poolkeeper member
 * --allow-fault-injection} JVMs, the third joined with {@code --witness} (and no {@code --memory}): {@code
 * host-param-list} shows it a witness offering no memory. {@code host-pull-cable} on the master makes the two others
 * (the witness votes) elect a new master and mark it dead while it loses its own mastership; {@code host-plug-cable}
 * brings it back as a live slave.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PulledCableProcessTest {
    private static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(250),
            Duration.ofMillis(1500),
            Duration.ofSeconds(4),
            Duration.ofMillis(400),
            Duration.ofMillis(800),
            Duration.ofSeconds(5));
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(40);

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

    private static String role(CliRunner cli, MemberProcess m) {
        return cli.run("host-get-role", "-s", m.address()).value();
    }

    private static String live(CliRunner cli, MemberProcess asked, MemberProcess host) {
        return cli.run("host-param-get", "uuid=" + host.host(), "param-name=live", "-s", asked.address())
                .value();
    }

    @Test
    void pullingTheMastersCableElectsAnotherMasterAndPluggingItBackMakesItALiveSlave() {
        MemberProcess host1 = member(1);
        host1.start(List.of("--create-pool", "cables", "--allow-fault-injection"));
        String ready = host1.awaitReady(START);
        assertTrue(ready.endsWith(" fault-injection=allowed"), ready);
        String token = new CliRunner(List.of(host1.address()))
                .run("pool-join-token-create", "--minimal")
                .value();
        member(2).start(List.of("--join", host1.address(), "--join-token", token, "--allow-fault-injection"));
        // A witness, given no --memory: it needs none.
        MemberProcess witness = member(3);
        witness.start(
                List.of("--join", host1.address(), "--join-token", token, "--allow-fault-injection", "--witness"));
        members.forEach(m -> m.awaitReady(START));
        CliRunner cli =
                new CliRunner(members.stream().map(MemberProcess::address).toList());
        CliRunner.Result params = cli.run("host-param-list", "uuid=" + witness.host());
        assertEquals(ExitStatus.OK, params.status(), params.toString());
        assertTrue(params.out().contains(" role ( RO): witness\n"), params.out());
        assertTrue(params.out().contains("memory-total ( RO): 0\n"), params.out());
        String masterUuid = cli.run("pool-param-get", "param-name=master").value();
        MemberProcess master = members.stream()
                .filter(m -> m.host().toString().equals(masterUuid))
                .findFirst()
                .orElseThrow();
        List<MemberProcess> others = members.stream().filter(m -> m != master).toList();

        CliRunner.Result pulled = cli.run("host-pull-cable", "uuid=" + masterUuid);

        assertEquals(ExitStatus.OK, pulled.status(), pulled.toString());
        assertEquals(3, pulled.out().lines().count(), pulled.out());
        await("the two others elect one of them")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> others.stream()
                                .filter(m -> role(cli, m).equals("MASTER"))
                                .count()
                        == 1);
        await("the old master is no master any more, and dead to the others")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> Set.of("NO_MASTER", "EMERGENCY").contains(role(cli, master))
                        && live(cli, others.get(0), master).equals("false"));

        CliRunner.Result plugged = cli.run("host-plug-cable", "uuid=" + masterUuid);

        assertEquals(ExitStatus.OK, plugged.status(), plugged.toString());
        await("the old master follows the new one and is live again")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> role(cli, master).equals("SLAVE")
                        && live(cli, others.get(0), master).equals("true"));
    }
}
