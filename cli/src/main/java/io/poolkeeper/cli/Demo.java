package io.poolkeeper.cli;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The demo's first seed (XenServer 5 manual, 2.6): a 3-host pool on loopback, one {@link MemberProcess} per host,
 * driven through the CLI while the seed's failures happen to it — a slave killed (dead after the timeout, forgotten,
 * its VMs restarted elsewhere), the master killed (a new one elected), two hosts killed (emergency mode, emergency
 * transition, recover-slaves). {@link HaDemo} follows with the second seed; the narration, the timed steps and the
 * processes are the {@link DemoScript}'s. Not thread-safe; run once.
 */
final class Demo {
    private final DemoScript script;
    private final MemberTimeouts timeouts;

    Demo(DemoScript script) {
        this.script = script;
        this.timeouts = script.timeouts();
    }

    /** Runs every scenario; returns normally only if each step happened as the seed describes. */
    void run() {
        script.say("poolkeeper demo: pools on loopback, one process per host, simulated hypervisors");
        script.say(
                "timeouts: heartbeat every %s, host dead after %s, emergency after %s, Raft election %s..%s",
                Values.human(timeouts.heartbeatInterval()),
                Values.human(timeouts.hostDeadAfter()),
                Values.human(timeouts.emergencyAfter()),
                Values.human(timeouts.electionTimeoutMin()),
                Values.human(timeouts.electionTimeoutMax()));
        script.say("files and logs: %s", script.dir());
        List<String> vms = formPool();
        slaveFailure(vms);
        masterFailure();
        emergency();
    }

    // --- the pool

    private List<String> formPool() {
        script.section("Setting up: three hosts form a pool; a shared SR; VMs started by the hosts' agents");
        long t = System.nanoTime();
        MemberProcess first = script.member(1);
        script.say(
                "starting %s (creates pool \"demo\"), then %s and %s (join it), each in its own JVM...",
                first.name(), "host2", "host3");
        first.start(List.of("--create-pool", "demo"));
        first.awaitReady(DemoScript.START_LIMIT);
        String token = script.joinToken();
        for (int i = 2; i <= 3; i++) {
            MemberProcess m = script.member(i);
            m.join(first.address(), token);
            m.awaitReady(DemoScript.START_LIMIT);
        }
        script.connect();
        script.step("setup", "3 member processes started, pool formed", t, "JVM start-up + 2 joins");
        script.xe("host-list", "params=uuid,name-label,address,live");

        t = System.nanoTime();
        String sr = script.xe(
                        "sr-create",
                        "name-label=shared-nfs",
                        "type=nfs",
                        "shared=true",
                        "device-config:server=10.0.0.9",
                        "--minimal")
                .trim();
        script.xe("pool-param-set", "default-SR=" + sr);
        HostId master = DemoScript.master(script.view());
        List<MemberProcess> slaves =
                script.members().stream().filter(m -> !m.host().equals(master)).toList();
        // Only slaves run VMs, so that killing the master later strands none.
        List<String> vms = new ArrayList<>();
        String[][] plan = {{"web", "0"}, {"db", "1"}, {"cache", "0"}};
        for (String[] vm : plan) {
            String uuid = script.xe("vm-create", "name-label=" + vm[0], "memory=2GiB", "vcpus=2", "--minimal")
                    .trim();
            String vdi = script.xe(
                            "vdi-create",
                            "sr-uuid=" + sr,
                            "name-label=" + vm[0] + "-disk",
                            "virtual-size=20GiB",
                            "--minimal")
                    .trim();
            script.xe("vbd-create", "vm-uuid=" + uuid, "vdi-uuid=" + vdi, "device=xvda", "--minimal");
            script.xe(
                    "vm-start",
                    "vm=" + vm[0],
                    "on=" + slaves.get(Integer.parseInt(vm[1])).name());
            vms.add(uuid);
        }
        script.step("setup", "shared SR, 3 VMs with disks created and started", t, "");
        script.xe("vm-list", "params=name-label,power-state,resident-on");
        return vms;
    }

    // --- seed 2.6.1

    private void slaveFailure(List<String> vms) {
        script.section(
                "Seed 2.6.1, slave failure: a slave dies; the master marks it dead; host-forget; restart its VMs");
        HostId master = DemoScript.master(script.view());
        String db = vms.get(1);
        HostId dbHost = script.view().vms().values().stream()
                .filter(v -> v.uuid().toString().equals(db))
                .findFirst()
                .orElseThrow()
                .residentOn()
                .orElseThrow();
        MemberProcess victim = script.byHost(dbHost);
        script.say("kill -9 %s (a slave running db)", victim.name());
        long t = System.nanoTime();
        victim.kill();
        script.say("forgetting it at once is refused: the master still believes it alive");
        script.xeMayFail("host-forget", "host=" + victim.name());
        script.await(
                "the master marks " + victim.name() + " dead",
                timeouts.hostDeadAfter().multipliedBy(3).plusSeconds(15),
                () -> script.view().host(dbHost).map(h -> !h.live()).orElse(false));
        script.step(
                "slave failure",
                victim.name() + " killed -> marked dead (live=false)",
                t,
                "host-dead-after " + Values.human(timeouts.hostDeadAfter()) + " from its last heartbeat");
        script.say("its VMs stay recorded as running until an operator acts (the seed):");
        script.xe("vm-list", "resident-on=" + dbHost, "params=name-label,power-state,resident-on");

        t = System.nanoTime();
        script.xe("host-forget", "host=" + victim.name());
        script.step("slave failure", "host-forget -> its VMs halted, host removed", t, "one commit");
        script.xe("vm-list", "params=name-label,power-state,resident-on");

        t = System.nanoTime();
        HostId other = script.members().stream()
                .filter(MemberProcess::alive)
                .map(MemberProcess::host)
                .filter(h -> !h.equals(master))
                .findFirst()
                .orElseThrow();
        script.xe("vm-start", "vm=db", "on=" + other);
        script.step("slave failure", "its VM db started on another host", t, "one agent call");
        script.remove(victim);

        script.say("a replacement host joins, so that three voters remain");
        t = System.nanoTime();
        MemberProcess replacement = script.member(4);
        replacement.join(script.byHost(master).address(), script.joinToken());
        replacement.awaitReady(DemoScript.START_LIMIT);
        script.step("slave failure", replacement.name() + " (replacement) joined", t, "JVM start-up + join");
    }

    // --- seed 2.6.2, with a majority left

    private void masterFailure() {
        script.section("Seed 2.6.2, master failure: the master dies; the survivors elect a new one by themselves");
        HostId old = DemoScript.master(script.view());
        MemberProcess victim = script.byHost(old);
        List<MemberProcess> survivors =
                script.members().stream().filter(m -> m != victim && m.alive()).toList();
        script.say("kill -9 %s (the master)", victim.name());
        long t = System.nanoTime();
        victim.kill();
        script.await(
                "a survivor elected master",
                timeouts.electionTimeoutMax().multipliedBy(10).plusSeconds(20),
                () -> survivors.stream().anyMatch(m -> script.hasRole(m.address(), MemberRole.MASTER)));
        MemberProcess elected = survivors.stream()
                .filter(m -> script.hasRole(m.address(), MemberRole.MASTER))
                .findFirst()
                .orElseThrow(() -> new DemoScript.Failure("the new master lost its role at once"));
        script.step(
                "master failure",
                victim.name() + " killed -> " + elected.name() + " elected master",
                t,
                "election timeout " + Values.human(timeouts.electionTimeoutMin()) + ".."
                        + Values.human(timeouts.electionTimeoutMax()));
        script.await(
                "the new master recorded in the pool", timeouts.requestTimeout().multipliedBy(3), () -> {
                    return newMaster(old).isPresent();
                });
        script.step("master failure", "the pool records it as master, takes writes (since the kill)", t, "");
        script.xe("pool-param-get", "param-name=master");
        script.xe("host-get-role", "-s", elected.address());

        script.say("the old master is repaired and restarted: it rejoins as a slave");
        t = System.nanoTime();
        victim.start(List.of());
        victim.awaitReady(DemoScript.START_LIMIT);
        script.await(
                victim.name() + " live again",
                timeouts.hostDeadAfter().plusSeconds(20),
                () -> script.view().host(old).map(Host::live).orElse(false));
        script.step("master failure", victim.name() + " restarted -> live again, a slave", t, "JVM start-up");
        script.xe("host-get-role", "-s", victim.address());
    }

    // --- seed 2.6.2, no majority left

    private void emergency() {
        script.section(
                "Seed 2.6.2, emergency: two of three hosts die; the survivor waits, enters emergency mode, and is"
                        + " made master by hand");
        HostId master = DemoScript.master(script.view());
        List<MemberProcess> live =
                script.members().stream().filter(MemberProcess::alive).toList();
        MemberProcess survivor =
                live.stream().filter(m -> !m.host().equals(master)).findFirst().orElseThrow();
        List<MemberProcess> victims = live.stream().filter(m -> m != survivor).toList();
        long generation = DemoScript.generation(script.view());
        script.say(
                "kill -9 %s: %s is left without a majority, so no master can be elected",
                victims.stream().map(MemberProcess::name).collect(Collectors.joining(" and ")), survivor.name());
        long t = System.nanoTime();
        victims.forEach(MemberProcess::kill);
        script.await(
                survivor.name() + " in emergency mode",
                timeouts.emergencyAfter().multipliedBy(3).plusSeconds(20),
                () -> DemoScript.quietly(() -> script.client().isInEmergencyMode(survivor.address())));
        script.step(
                "emergency",
                "2 hosts killed -> survivor in emergency mode",
                t,
                "emergency-after " + Values.human(timeouts.emergencyAfter()));
        String s = survivor.address();
        script.xe("host-is-in-emergency-mode", "-s", s);
        script.say("it refuses writes at once instead of hanging:");
        script.xeMayFail("vm-create", "name-label=blocked", "memory=1GiB", "-s", s);
        script.say("but its own copy can still be read:");
        script.xe("vm-list", "--local", "params=name-label,power-state,resident-on", "-s", s);

        t = System.nanoTime();
        script.xe("pool-emergency-transition-to-master", "-s", s, "--tls-dir", script.memberTls(survivor));
        script.await(
                survivor.name() + " master of the next generation",
                timeouts.electionTimeoutMax().multipliedBy(10).plusSeconds(20),
                () -> DemoScript.quietly(() -> script.client().roleOf(s) == MemberRole.MASTER
                        && DemoScript.generation(script.view()) > generation));
        script.step("emergency", "pool-emergency-transition-to-master -> " + survivor.name() + " master", t, "");
        script.xe("pool-param-get", "param-name=generation", "-s", s);
        script.say("the seed: check the default SR after a transition (alerts lists DEFAULT_SR_INVALID if it is not"
                + " attached on every live host):");
        script.xe("pool-param-list", "-s", s);

        script.say("the dead hosts are repaired and restarted; they still belong to the old generation");
        t = System.nanoTime();
        for (MemberProcess victim : victims) {
            victim.start(List.of());
        }
        for (MemberProcess victim : victims) {
            victim.awaitReady(DemoScript.START_LIMIT);
        }
        script.step("emergency", "2 hosts restarted", t, "JVM start-up");
        t = System.nanoTime();
        script.xe("pool-recover-slaves", "-s", s, "--tls-dir", script.memberTls(survivor));
        script.await(
                "every host live in the new generation",
                timeouts.hostDeadAfter().multipliedBy(2).plusSeconds(30),
                () -> DemoScript.quietly(() -> {
                    PoolView v = script.view();
                    return DemoScript.generation(v) > generation
                            && victims.stream()
                                    .allMatch(m ->
                                            v.host(m.host()).map(Host::live).orElse(false))
                            && victims.stream().allMatch(m -> script.hasRole(m.address(), MemberRole.SLAVE));
                }));
        script.step("emergency", "pool-recover-slaves -> both point to the new master", t, "");
        script.xe("host-list", "params=name-label,live", "-s", s);
    }

    private Optional<HostId> newMaster(HostId old) {
        try {
            return script.view().pool().flatMap(p -> p.master()).filter(m -> !m.equals(old));
        } catch (PoolException e) {
            return Optional.empty();
        }
    }
}
