package io.poolkeeper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every xe-style command against a real 2-member pool in this JVM, through the CLI's own parsing and printing:
 * what each prints (xe blocks, {@code --minimal}, {@code --json}) and the code and exit status of each refusal.
 * Each test makes its own objects, so the tests do not depend on each other's order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliCommandsTest {
    private TestingPool pool;
    private CliRunner cli;
    private String host1;
    private String host2;

    @BeforeAll
    void startPool(@TempDir Path dir) {
        pool = TestingPool.builder(dir).poolName("cli-test").start(2);
        cli = CliRunner.of(pool);
        host1 = pool.host(0).toString();
        host2 = pool.host(1).toString();
    }

    @AfterAll
    void stopPool() {
        pool.close();
    }

    private CliRunner.Result ok(String... args) {
        CliRunner.Result r = cli.run(args);
        assertEquals(ExitStatus.OK, r.status(), String.join(" ", args) + "\n" + r);
        return r;
    }

    private void refused(String code, String... args) {
        CliRunner.Result r = cli.run(args);
        assertEquals(ExitStatus.REJECTED, r.status(), String.join(" ", args) + "\n" + r);
        assertTrue(r.err().startsWith("Error " + code + " ("), r.err());
    }

    private String master() {
        return ok("pool-param-get", "param-name=master").value();
    }

    private String get(String command, String uuid, String field) {
        return ok(command, "uuid=" + uuid, "param-name=" + field).value();
    }

    @Test
    void joinTokensAreCreatedListedWithoutSecretsAndRevoked() {
        CliRunner.Result created = ok("pool-join-token-create", "validity=2h");
        assertTrue(created.out().startsWith("token ( RO)  : PKJT-"), created.out());
        String minimal = ok("pool-join-token-create", "--minimal").value();
        assertTrue(minimal.matches("PKJT-[0-9a-f]{8}\\.[A-Za-z0-9_-]{43}"), minimal);
        String id = minimal.substring(5, 13);
        String secret = minimal.substring(14);

        CliRunner.Result list = ok("pool-join-token-list");
        assertTrue(list.out().contains("id ( RO)     : " + id + "\n"), list.out());
        assertTrue(list.out().contains("expires ( RO): "), list.out());
        assertTrue(!list.out().contains(secret) && !list.out().contains("PKJT-"), "no secret is listed");
        JsonArray json = ok("pool-join-token-list", "--json").json().getAsJsonArray();
        assertTrue(json.size() >= 2, json.toString());
        assertTrue(json.toString().contains(id) && !json.toString().contains(secret), json.toString());

        ok("pool-join-token-revoke", "id=" + id);
        assertTrue(!ok("pool-join-token-list", "--minimal").value().contains(id), "revoked");
        refused("HANDLE_INVALID", "pool-join-token-revoke", "id=" + id);
        refused("INVALID_VALUE", "pool-join-token-create", "validity=721h");
    }

    @Test
    void poolListParamListGetAndSet() {
        CliRunner.Result list = ok("pool-list");
        assertTrue(list.out().startsWith("uuid ( RO)      : "), list.out());
        assertTrue(list.out().contains("    master ( RO): " + master() + "\n"), list.out());
        String uuid = ok("pool-list", "--minimal").value();
        assertTrue(Invocation.isUuid(uuid), uuid);

        CliRunner.Result params = ok("pool-param-list");
        for (String field : ObjectTypes.POOL.fieldNames()) {
            assertTrue(params.out().contains(field + " ("), field);
        }
        assertTrue(params.out().contains("ha-host-failures-to-tolerate ( RW): 0"), params.out());
        assertEquals("1", ok("pool-param-get", "param-name=generation").value());
        assertEquals(
                "DEFAULT_SR_INVALID", ok("pool-param-get", "param-name=alerts").value());

        ok("pool-param-set", "uuid=" + uuid, "ha-timeout=45s", "ha-allow-overcommit=true");
        assertEquals("45", ok("pool-param-get", "param-name=ha-timeout").value());
        assertEquals(
                "true", ok("pool-param-get", "param-name=ha-allow-overcommit").value());
        refused("INVALID_VALUE", "pool-param-set", "ha-host-failures-to-tolerate=9");
        assertEquals(
                ExitStatus.USAGE,
                cli.run("pool-param-set", "uuid=" + uuid).status(),
                "nothing to set is a usage error");
        JsonObject json = ok("pool-param-list", "--json").json().getAsJsonObject();
        assertEquals(uuid, json.get("uuid").getAsString());
        assertEquals("5", json.get("max-voters").getAsString());
    }

    @Test
    void hostListsParamsRolesAndRefusals() {
        assertEquals(host1 + "," + host2, ok("host-list", "--minimal").value());
        CliRunner.Result live = ok("host-list", "live=true", "params=name-label,role");
        assertEquals(
                "name-label ( RO): host1\n      role ( RO): voter\n\nname-label ( RO): host2\n      role ( RO): voter\n\n",
                live.out());
        assertEquals("", ok("host-list", "live=false").out());
        assertEquals(String.valueOf(TestingPool.HOST_MEMORY), get("host-param-get", host2, "memory-total"));
        CliRunner.Result hostParams = ok("host-param-list", "uuid=" + host2);
        assertTrue(
                hostParams.out().contains("address ( RO): " + pool.addresses().get(1)), hostParams.out());
        JsonArray hosts = ok("host-list", "--json", "params=all").json().getAsJsonArray();
        assertEquals(2, hosts.size());
        assertEquals("host2", hosts.get(1).getAsJsonObject().get("name-label").getAsString());
        assertTrue(hosts.get(0).getAsJsonObject().get("resident-VMs").isJsonArray());

        CliRunner.Result typo = cli.run("host-param-get", "uuid=" + host1, "param-name=livee");
        assertEquals(ExitStatus.USAGE, typo.status());
        assertTrue(typo.err().contains("did you mean live"), typo.err());
        refused("HANDLE_INVALID", "host-param-list", "uuid=00000000-0000-4000-8000-00000000dead");

        // Under load an election may move the master: ask the pool which member it is.
        String master = pool.addresses().get(pool.indexOf(HostId.of(master())));
        String slave = pool.addresses().get(1 - pool.addresses().indexOf(master));
        assertEquals("MASTER", ok("host-get-role", "-s", master).value());
        assertEquals("SLAVE", ok("host-get-role", "address=" + slave).value());
        assertEquals(
                "{\"role\":\"SLAVE\"}",
                ok("host-get-role", "address=" + slave, "--json").value());
        assertEquals("false", ok("host-is-in-emergency-mode", "-s", slave).value());

        String slaveHost = pool.host(pool.addresses().indexOf(slave)).toString();
        refused("HOST_IS_LIVE", "host-forget", "uuid=" + slaveHost);
        refused("HOST_IS_LIVE", "host-declare-dead", "uuid=" + slaveHost);
        refused("HANDLE_INVALID", "host-forget", "host=no-such-host");
    }

    @Test
    void hostEnableDisableAndEvacuate() {
        ok("host-disable", "host=host2");
        assertEquals("false", get("host-param-get", host2, "enabled"));
        String vm = ok("vm-create", "name-label=evacuee", "memory=1GiB").value();
        refused("HOST_DISABLED", "vm-start", "uuid=" + vm, "on=host2");
        ok("host-enable", "uuid=" + host2);
        assertEquals("true", get("host-param-get", host2, "enabled"));
        assertEquals(host2, ok("vm-start", "uuid=" + vm, "on=host2").value());
        assertTrue(ok("host-param-get", "uuid=" + host2, "param-name=resident-VMs")
                .value()
                .contains(vm));
        assertEquals(vm + ": " + host1, ok("host-evacuate", "host=host2").value());
        assertEquals(host1, get("vm-param-get", vm, "resident-on"));
        ok("vm-shutdown", "uuid=" + vm, "--force");
        ok("vm-destroy", "uuid=" + vm);
    }

    @Test
    void vmLifecycleThroughEveryPowerOperation() {
        String vm =
                ok("vm-create", "name-label=cli-vm", "memory=1GiB", "vcpus=2").value();
        assertTrue(Invocation.isUuid(vm), vm);
        assertEquals(vm, ok("vm-list", "name-label=cli-vm", "--minimal").value());
        assertEquals(String.valueOf(1L << 30), get("vm-param-get", vm, "memory"));
        ok("vm-param-set", "vm=cli-vm", "memory=2GiB", "name-label=cli-vm2", "ha-restart-priority=best-effort");
        assertEquals(String.valueOf(2L << 30), get("vm-param-get", vm, "memory"));
        assertEquals("best-effort", get("vm-param-get", vm, "ha-restart-priority"));
        assertEquals("halted", get("vm-param-get", vm, "power-state"));

        assertEquals(host2, ok("vm-start", "vm=cli-vm2", "on=host2").value());
        assertEquals("running", get("vm-param-get", vm, "power-state"));
        refused("VM_BAD_POWER_STATE", "vm-param-set", "uuid=" + vm, "memory=1GiB");
        refused("VM_BAD_POWER_STATE", "vm-destroy", "uuid=" + vm);
        ok("vm-pause", "uuid=" + vm);
        assertEquals("paused", get("vm-param-get", vm, "power-state"));
        ok("vm-unpause", "uuid=" + vm);
        ok("vm-suspend", "uuid=" + vm);
        assertEquals("suspended", get("vm-param-get", vm, "power-state"));
        assertEquals(Printer.NULL_REF, get("vm-param-get", vm, "resident-on"));
        assertEquals(host1, ok("vm-resume", "uuid=" + vm, "on=" + host1).value());
        ok("vm-reboot", "uuid=" + vm);
        ok("vm-reboot", "uuid=" + vm, "--force");
        assertEquals(host2, ok("vm-migrate", "uuid=" + vm, "host=host2").value());
        refused("VM_HOST_INCOMPATIBLE", "vm-migrate", "uuid=" + vm, "host-uuid=" + host2);
        refused("FORCE_REQUIRED", "vm-reset-powerstate", "uuid=" + vm);
        refused("HOST_IS_LIVE", "vm-reset-powerstate", "uuid=" + vm, "--force");

        CliRunner.Result running = ok("vm-list", "power-state=running", "params=uuid,resident-on", "--json");
        assertTrue(running.value().contains("{\"uuid\":\"" + vm + "\",\"resident-on\":\"" + host2 + "\"}"));
        CliRunner.Result list = ok("vm-param-list", "uuid=" + vm);
        assertTrue(list.out().startsWith("uuid ( RO)                       : " + vm + "\n"), list.out());
        assertTrue(list.out().contains("        power-state ( RO): running\n"), list.out());

        ok("vm-shutdown", "vm=" + vm);
        assertEquals("halted", get("vm-param-get", vm, "power-state"));
        ok("vm-destroy", "uuid=" + vm);
        assertEquals("", ok("vm-list", "uuid=" + vm).out());
        refused("HANDLE_INVALID", "vm-start", "vm=cli-vm2");
    }

    @Test
    void storageObjectsFromSrToVbd() {
        String local = ok(
                        "sr-create", "name-label=local", "type=lvm", "host-uuid=host1", "device-config:device=/dev/sdb")
                .value();
        List<String> localPbds = Arrays.asList(
                ok("pbd-list", "sr-uuid=" + local, "--minimal").value().split(","));
        assertEquals(1, localPbds.size());
        String pbd = localPbds.get(0);
        assertEquals(
                "/dev/sdb",
                ok("pbd-param-get", "uuid=" + pbd, "param-name=device-config", "param-key=device")
                        .value());
        assertEquals("device: /dev/sdb", get("pbd-param-get", pbd, "device-config"));
        assertEquals("true", get("pbd-param-get", pbd, "currently-attached"));
        refused("SR_NOT_SHARED", "pbd-create", "sr-uuid=" + local, "host-uuid=host2");
        refused("SR_HAS_PBD", "sr-forget", "uuid=" + local);
        ok("pbd-unplug", "uuid=" + pbd);
        assertEquals("false", get("pbd-param-get", pbd, "currently-attached"));
        ok("pbd-plug", "uuid=" + pbd);

        String shared =
                ok("sr-create", "name-label=nfs", "type=nfs", "shared=true").value();
        assertEquals(2, ok("pbd-list", "sr-uuid=" + shared, "--minimal").value().split(",").length);
        CliRunner.Result srs = ok("sr-list", "type=nfs", "params=name-label,shared");
        assertTrue(srs.out().contains("name-label ( RO): nfs\n    shared ( RO): true\n"), srs.out());

        String vdi = ok("vdi-create", "sr-uuid=" + shared, "name-label=disk", "virtual-size=10GiB")
                .value();
        assertEquals(String.valueOf(10L << 30), get("vdi-param-get", vdi, "virtual-size"));
        assertEquals(vdi, ok("vdi-list", "sr-uuid=" + shared, "--minimal").value());
        assertTrue(get("sr-param-get", shared, "VDIs").contains(vdi));
        String vm = ok("vm-create", "name-label=with-disk", "memory=512MiB").value();
        String vbd = ok("vbd-create", "vm=with-disk", "vdi-uuid=" + vdi, "device=xvda")
                .value();
        assertEquals(
                "vm-name-label ( RO): with-disk\n       device ( RO): xvda\n\n",
                ok("vbd-list", "vm-uuid=" + vm, "params=vm-name-label,device").out());
        refused("DEVICE_ALREADY_EXISTS", "vbd-create", "vm-uuid=" + vm, "vdi-uuid=" + vdi, "device=xvda");
        ok("vm-start", "uuid=" + vm);
        refused("VDI_IN_USE", "vdi-destroy", "uuid=" + vdi);
        ok("vm-shutdown", "uuid=" + vm, "--force");
        ok("vbd-destroy", "uuid=" + vbd);
        ok("vdi-destroy", "uuid=" + vdi);
        ok("vm-destroy", "uuid=" + vm);
        assertEquals("", ok("vbd-list", "uuid=" + vbd).out());
    }

    @Test
    void haEnableAndDisable() {
        ok("pool-ha-enable", "ha-timeout=20s");
        assertEquals("true", ok("pool-param-get", "param-name=ha-enabled").value());
        assertEquals("20", ok("pool-param-get", "param-name=ha-timeout").value());
        ok("pool-ha-disable");
        assertEquals("false", ok("pool-param-get", "param-name=ha-enabled").value());
    }

    @Test
    void emergencyCommandsAreRefusedOutsideEmergencyMode() {
        // Run with the member's own credentials, as an operator on that host would.
        String memberTls = pool.tlsDirectory(1).orElseThrow().toString();
        refused(
                "NOT_IN_EMERGENCY_MODE",
                "pool-emergency-transition-to-master",
                "-s",
                pool.addresses().get(1),
                "--tls-dir",
                memberTls);
        CliRunner.Result reset = cli.run(
                "pool-emergency-reset-master",
                "master-address=" + pool.addresses().get(0),
                "-s",
                pool.addresses().get(1),
                "--tls-dir",
                memberTls);
        assertEquals(ExitStatus.REJECTED, reset.status(), reset.toString());
    }

    @Test
    void emergencyCommandsNeedAMembersCertificateNotAClients() {
        refused(
                "PERMISSION_DENIED",
                "pool-emergency-transition-to-master",
                "-s",
                pool.addresses().get(1));
        refused(
                "PERMISSION_DENIED",
                "pool-recover-slaves",
                "-s",
                pool.addresses().get(0));
        assertEquals(
                "false",
                ok("host-is-in-emergency-mode", "-s", pool.addresses().get(1)).value());
    }

    @Test
    void onlyMembersOfTheGivenPoolAreUsed() {
        String uuid = ok("pool-list", "--minimal").value();
        assertEquals(
                host1 + "," + host2,
                ok("host-list", "--minimal", "--pool", uuid).value());
        String other = PoolId.random().toString();
        refused("POOL_MISMATCH", "host-list", "--pool", other);
        refused("POOL_MISMATCH", "host-get-role", "--pool", other);
        CliRunner.Result viaEnv =
                CliRunner.of(pool, Map.of(Cli.ENV_POOL, other)).run("vm-list");
        assertEquals(ExitStatus.REJECTED, viaEnv.status(), viaEnv.toString());
        assertTrue(viaEnv.err().contains("no member given serves pool " + other), viaEnv.err());
        assertEquals(
                ExitStatus.USAGE, cli.run("vm-list", "--pool", "not-a-uuid").status());
    }

    @Test
    void eventsFromATokenInOrder() {
        CliRunner.Result all = ok("event-watch", "from=0", "count=3");
        List<String> lines = all.out().lines().toList();
        assertEquals(3, lines.size(), all.out());
        assertTrue(lines.get(0).startsWith("1 change pool-create"), lines.get(0));
        assertTrue(lines.get(1).startsWith("2 change pool-join"), lines.get(1));

        CliRunner.Result json = ok("event-watch", "from=1", "count=1", "--json");
        JsonObject event = JsonParser.parseString(json.out()).getAsJsonObject();
        assertEquals(2, event.get("token").getAsLong());
        assertEquals("CHANGE", event.get("kind").getAsString());

        // From now on: nothing happens within the timeout, so nothing is printed.
        assertEquals("", ok("event-watch", "timeout=300ms").out());
    }

    @Test
    void readsTheLocalCopyOnRequest() {
        for (String address : pool.addresses()) {
            assertEquals(
                    host1 + "," + host2,
                    ok("host-list", "--local", "--minimal", "-s", address).value());
        }
    }
}
