package io.poolkeeper.cli;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The demo: a 3-host pool on loopback, one {@link MemberProcess} per host, driven through the CLI while the seed's
 * failures happen to it — a slave killed (dead after the timeout, forgotten, its VMs restarted elsewhere), the master
 * killed (a new one elected), two hosts killed (emergency mode, emergency transition, recover-slaves). It narrates
 * each step with the commands it runs and their output, times every step, ends with a table, and removes its
 * processes and files, also when interrupted. Not thread-safe; run once.
 */
final class Demo {
    /** A demo step: what happened, how long it took, and what bounds it. */
    record Step(String scenario, String what, Duration took, String bound) {}

    /** A step that did not happen in time, or a command that failed: the demo stops. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    private static final Duration START_LIMIT = Duration.ofSeconds(60);

    private final PrintStream out;
    private final MemberTimeouts timeouts;
    private final Path dir;
    private final List<MemberProcess> members = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final long started = System.nanoTime();
    private PoolClient client;

    Demo(PrintStream out, MemberTimeouts timeouts, Path dir) {
        this.out = out;
        this.timeouts = timeouts;
        this.dir = dir;
    }

    List<Step> steps() {
        return List.copyOf(steps);
    }

    /** Runs every scenario; returns normally only if each step happened as the seed describes. */
    void run() {
        say("poolkeeper demo: a 3-host pool on loopback, one process per host, simulated hypervisors");
        say(
                "timeouts: heartbeat every %s, host dead after %s, emergency after %s, Raft election %s..%s",
                Values.human(timeouts.heartbeatInterval()),
                Values.human(timeouts.hostDeadAfter()),
                Values.human(timeouts.emergencyAfter()),
                Values.human(timeouts.electionTimeoutMin()),
                Values.human(timeouts.electionTimeoutMax()));
        say("files and logs: %s", dir);
        List<String> vms = formPool();
        slaveFailure(vms);
        masterFailure();
        emergency();
        table();
    }

    // --- the pool

    private List<String> formPool() {
        section("Setting up: three hosts form a pool; a shared SR; VMs started by the hosts' agents");
        long t = System.nanoTime();
        MemberProcess first = member(1);
        say(
                "starting %s (creates pool \"demo\"), then %s and %s (join it), each in its own JVM...",
                first.name(), "host2", "host3");
        first.start(List.of("--create-pool", "demo"));
        first.awaitReady(START_LIMIT);
        for (int i = 2; i <= 3; i++) {
            MemberProcess m = member(i);
            m.start(List.of("--join", first.address()));
            m.awaitReady(START_LIMIT);
        }
        client = PoolClient.builder()
                .members(members.stream().map(MemberProcess::address).toList())
                .requestTimeout(Duration.ofSeconds(3))
                .build();
        step("setup", "3 member processes started, pool formed", t, "JVM start-up + 2 joins");
        xe("host-list", "params=uuid,name-label,address,live");

        t = System.nanoTime();
        String sr = xe(
                        "sr-create",
                        "name-label=shared-nfs",
                        "type=nfs",
                        "shared=true",
                        "device-config:server=10.0.0.9",
                        "--minimal")
                .trim();
        xe("pool-param-set", "default-SR=" + sr);
        HostId master = master(view(ReadConsistency.LINEARIZABLE));
        List<MemberProcess> slaves =
                members.stream().filter(m -> !m.host().equals(master)).toList();
        // Only slaves run VMs, so that killing the master later strands none.
        List<String> vms = new ArrayList<>();
        String[][] plan = {{"web", "0"}, {"db", "1"}, {"cache", "0"}};
        for (String[] vm : plan) {
            String uuid = xe("vm-create", "name-label=" + vm[0], "memory=2GiB", "vcpus=2", "--minimal")
                    .trim();
            String vdi = xe(
                            "vdi-create",
                            "sr-uuid=" + sr,
                            "name-label=" + vm[0] + "-disk",
                            "virtual-size=20GiB",
                            "--minimal")
                    .trim();
            xe("vbd-create", "vm-uuid=" + uuid, "vdi-uuid=" + vdi, "device=xvda", "--minimal");
            xe(
                    "vm-start",
                    "vm=" + vm[0],
                    "on=" + slaves.get(Integer.parseInt(vm[1])).name());
            vms.add(uuid);
        }
        step("setup", "shared SR, 3 VMs with disks created and started", t, "");
        xe("vm-list", "params=name-label,power-state,resident-on");
        return vms;
    }

    // --- seed 2.6.1

    private void slaveFailure(List<String> vms) {
        section("Seed 2.6.1, slave failure: a slave dies; the master marks it dead; host-forget; restart its VMs");
        HostId master = master(view(ReadConsistency.LINEARIZABLE));
        String db = vms.get(1);
        HostId dbHost = view(ReadConsistency.LINEARIZABLE).vms().values().stream()
                .filter(v -> v.uuid().toString().equals(db))
                .findFirst()
                .orElseThrow()
                .residentOn()
                .orElseThrow();
        MemberProcess victim = byHost(dbHost);
        say("kill -9 %s (a slave running db)", victim.name());
        long t = System.nanoTime();
        victim.kill();
        say("forgetting it at once is refused: the master still believes it alive");
        xeMayFail("host-forget", "host=" + victim.name());
        await(
                "the master marks " + victim.name() + " dead",
                timeouts.hostDeadAfter().multipliedBy(3).plusSeconds(15),
                () -> view(ReadConsistency.LINEARIZABLE)
                        .host(dbHost)
                        .map(h -> !h.live())
                        .orElse(false));
        step(
                "slave failure",
                victim.name() + " killed -> marked dead (live=false)",
                t,
                "host-dead-after " + Values.human(timeouts.hostDeadAfter()) + " from its last heartbeat");
        say("its VMs stay recorded as running until an operator acts (the seed):");
        xe("vm-list", "resident-on=" + dbHost, "params=name-label,power-state,resident-on");

        t = System.nanoTime();
        xe("host-forget", "host=" + victim.name());
        step("slave failure", "host-forget -> its VMs halted, host removed", t, "one commit");
        xe("vm-list", "params=name-label,power-state,resident-on");

        t = System.nanoTime();
        HostId other = members.stream()
                .filter(MemberProcess::alive)
                .map(MemberProcess::host)
                .filter(h -> !h.equals(master))
                .findFirst()
                .orElseThrow();
        xe("vm-start", "vm=db", "on=" + other);
        step("slave failure", "its VM db started on another host", t, "one agent call");
        members.remove(victim);

        say("a replacement host joins, so that three voters remain");
        t = System.nanoTime();
        MemberProcess replacement = member(4);
        replacement.start(List.of("--join", addressOf(master)));
        replacement.awaitReady(START_LIMIT);
        step("slave failure", replacement.name() + " (replacement) joined", t, "JVM start-up + join");
    }

    // --- seed 2.6.2, with a majority left

    private void masterFailure() {
        section("Seed 2.6.2, master failure: the master dies; the survivors elect a new one by themselves");
        HostId old = master(view(ReadConsistency.LINEARIZABLE));
        MemberProcess victim = byHost(old);
        List<MemberProcess> survivors =
                members.stream().filter(m -> m != victim && m.alive()).toList();
        say("kill -9 %s (the master)", victim.name());
        long t = System.nanoTime();
        victim.kill();
        await(
                "a survivor elected master",
                timeouts.electionTimeoutMax().multipliedBy(10).plusSeconds(20),
                () -> survivors.stream().anyMatch(m -> isMaster(m.address())));
        MemberProcess elected = survivors.stream()
                .filter(m -> isMaster(m.address()))
                .findFirst()
                .orElseThrow(() -> new Failure("the new master lost its role at once"));
        step(
                "master failure",
                victim.name() + " killed -> " + elected.name() + " elected master",
                t,
                "election timeout " + Values.human(timeouts.electionTimeoutMin()) + ".."
                        + Values.human(timeouts.electionTimeoutMax()));
        await("the new master recorded in the pool", timeouts.requestTimeout().multipliedBy(3), () -> newMaster(old)
                .isPresent());
        step("master failure", "the pool records it as master, takes writes (since the kill)", t, "");
        xe("pool-param-get", "param-name=master");
        xe("host-get-role", "-s", elected.address());

        say("the old master is repaired and restarted: it rejoins as a slave");
        t = System.nanoTime();
        victim.start(List.of());
        victim.awaitReady(START_LIMIT);
        await(
                victim.name() + " live again",
                timeouts.hostDeadAfter().plusSeconds(20),
                () -> view(ReadConsistency.LINEARIZABLE)
                        .host(old)
                        .map(Host::live)
                        .orElse(false));
        step("master failure", victim.name() + " restarted -> live again, a slave", t, "JVM start-up");
        xe("host-get-role", "-s", victim.address());
    }

    // --- seed 2.6.2, no majority left

    private void emergency() {
        section("Seed 2.6.2, emergency: two of three hosts die; the survivor waits, enters emergency mode, and is"
                + " made master by hand");
        HostId master = master(view(ReadConsistency.LINEARIZABLE));
        List<MemberProcess> live = members.stream().filter(MemberProcess::alive).toList();
        MemberProcess survivor =
                live.stream().filter(m -> !m.host().equals(master)).findFirst().orElseThrow();
        List<MemberProcess> victims = live.stream().filter(m -> m != survivor).toList();
        long generation = generation(view(ReadConsistency.LINEARIZABLE));
        say(
                "kill -9 %s: %s is left without a majority, so no master can be elected",
                victims.stream().map(MemberProcess::name).collect(Collectors.joining(" and ")), survivor.name());
        long t = System.nanoTime();
        victims.forEach(MemberProcess::kill);
        await(
                survivor.name() + " in emergency mode",
                timeouts.emergencyAfter().multipliedBy(3).plusSeconds(20),
                () -> quietly(() -> client.isInEmergencyMode(survivor.address())));
        step(
                "emergency",
                "2 hosts killed -> survivor in emergency mode",
                t,
                "emergency-after " + Values.human(timeouts.emergencyAfter()));
        String s = survivor.address();
        xe("host-is-in-emergency-mode", "-s", s);
        say("it refuses writes at once instead of hanging:");
        xeMayFail("vm-create", "name-label=blocked", "memory=1GiB", "-s", s);
        say("but its own copy can still be read:");
        xe("vm-list", "--local", "params=name-label,power-state,resident-on", "-s", s);

        t = System.nanoTime();
        xe("pool-emergency-transition-to-master", "-s", s);
        await(
                survivor.name() + " master of the next generation",
                timeouts.electionTimeoutMax().multipliedBy(10).plusSeconds(20),
                () -> quietly(() -> client.roleOf(s) == MemberRole.MASTER
                        && generation(client.pool().blocking().read(ReadConsistency.LINEARIZABLE)) > generation));
        step("emergency", "pool-emergency-transition-to-master -> " + survivor.name() + " master", t, "");
        xe("pool-param-get", "param-name=generation", "-s", s);
        say("the seed: check the default SR after a transition (alerts lists DEFAULT_SR_INVALID if it is not"
                + " attached on every live host):");
        xe("pool-param-list", "-s", s);

        say("the dead hosts are repaired and restarted; they still belong to the old generation");
        t = System.nanoTime();
        for (MemberProcess victim : victims) {
            victim.start(List.of());
        }
        for (MemberProcess victim : victims) {
            victim.awaitReady(START_LIMIT);
        }
        step("emergency", "2 hosts restarted", t, "JVM start-up");
        t = System.nanoTime();
        xe("pool-recover-slaves", "-s", s);
        await(
                "every host live in the new generation",
                timeouts.hostDeadAfter().multipliedBy(2).plusSeconds(30),
                () -> quietly(() -> {
                    PoolView v = client.pool().blocking().read(ReadConsistency.LINEARIZABLE);
                    return generation(v) > generation
                            && victims.stream()
                                    .allMatch(m ->
                                            v.host(m.host()).map(Host::live).orElse(false))
                            && victims.stream()
                                    .allMatch(m -> quietly(() -> client.roleOf(m.address()) == MemberRole.SLAVE));
                }));
        step("emergency", "pool-recover-slaves -> both point to the new master", t, "");
        xe("host-list", "params=name-label,live", "-s", s);
    }

    // --- narration

    private void table() {
        section("Summary");
        say("%-3s %-15s %-62s %10s  %s", "#", "scenario", "step", "took", "bound by");
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            say("%-3d %-15s %-62s %10s  %s", i + 1, s.scenario(), s.what(), Values.human(s.took()), s.bound());
        }
        say("Demo finished in %s: every step behaved as the seed describes.", Values.human(elapsed(started)));
    }

    private void section(String title) {
        say("");
        say("== %s", title);
    }

    private void say(String format, Object... args) {
        out.println(String.format(format, args));
        out.flush();
    }

    private void step(String scenario, String what, long startNanos, String bound) {
        Duration took = elapsed(startNanos);
        steps.add(new Step(scenario, what, took, bound));
        say("[%6.1fs] * %s (%s)", elapsed(started).toMillis() / 1000.0, what, Values.human(took));
    }

    /** Runs a CLI command in this process, shows it and its output; a failure stops the demo. */
    private String xe(String... args) {
        Result r = cli(args);
        if (r.status() != ExitStatus.OK) {
            throw new Failure("poolkeeper " + String.join(" ", args) + " failed (exit " + r.status() + "): "
                    + r.err().strip());
        }
        return r.out();
    }

    /** Runs a CLI command that the pool is expected to refuse, showing the refusal. */
    private void xeMayFail(String... args) {
        cli(args);
    }

    private record Result(int status, String out, String err) {}

    private Result cli(String... args) {
        say("  $ poolkeeper %s", String.join(" ", args));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        String servers = members.stream()
                .filter(MemberProcess::alive)
                .map(MemberProcess::address)
                .collect(Collectors.joining(","));
        int status;
        try (PrintStream o = new PrintStream(stdout, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(stderr, true, StandardCharsets.UTF_8)) {
            status = new Cli(o, e, Map.of(Cli.ENV_SERVERS, servers)).run(args);
        }
        String text = stdout.toString(StandardCharsets.UTF_8);
        String errors = stderr.toString(StandardCharsets.UTF_8);
        Stream.concat(text.lines(), errors.lines()).filter(l -> !l.isBlank()).forEach(l -> say("    %s", l));
        if (status != ExitStatus.OK) {
            say("    (exit status %d)", status);
        }
        return new Result(status, text, errors);
    }

    private void await(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new Failure("not within " + Values.human(limit) + ": " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failure("interrupted while waiting for " + what);
            }
        }
    }

    private boolean isMaster(String address) {
        return quietly(() -> client.roleOf(address) == MemberRole.MASTER);
    }

    private static boolean quietly(BooleanSupplier check) {
        try {
            return check.getAsBoolean();
        } catch (RuntimeException e) {
            // Unreachable, no master yet, refused: not yet.
            return false;
        }
    }

    // --- the pool's state

    private PoolView view(ReadConsistency consistency) {
        return client.pool().blocking().read(consistency);
    }

    private Optional<HostId> newMaster(HostId old) {
        try {
            return view(ReadConsistency.LINEARIZABLE)
                    .pool()
                    .flatMap(p -> p.master())
                    .filter(m -> !m.equals(old));
        } catch (PoolException e) {
            return Optional.empty();
        }
    }

    private static HostId master(PoolView view) {
        return view.pool().flatMap(p -> p.master()).orElseThrow(() -> new Failure("the pool has no master"));
    }

    private static long generation(PoolView view) {
        return view.pool().map(p -> p.generation()).orElse(0L);
    }

    private MemberProcess byHost(HostId host) {
        return members.stream()
                .filter(m -> m.host().equals(host))
                .findFirst()
                .orElseThrow(() -> new Failure("no member process for host " + host));
    }

    private String addressOf(HostId host) {
        return byHost(host).address();
    }

    private MemberProcess member(int index) {
        HostId host = HostId.of(String.format("%08d-0000-4000-8000-00000000000%d", index, index));
        MemberProcess m = new MemberProcess(
                "host" + index, host, MemberProcess.freePortPair(), dir.resolve("host" + index), timeouts);
        members.add(m);
        return m;
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Kills every member process and closes the client; idempotent. */
    void cleanUp() {
        if (client != null) {
            client.close();
        }
        members.parallelStream().forEach(MemberProcess::kill);
    }

    /** Removes a directory tree. */
    static void delete(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + root, e);
        }
    }
}
