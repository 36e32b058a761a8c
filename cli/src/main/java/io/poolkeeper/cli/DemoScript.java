package io.poolkeeper.cli;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.testing.Ports;
import io.poolkeeper.tls.CertificateRole;
import io.poolkeeper.tls.PoolCertificateAuthority;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the demo's scenarios ({@link Demo}, {@link HaDemo}) share: the member processes, the narration (sections,
 * every CLI command run with its output, timed steps, the final table), and waiting for what the seed says happens.
 * Every member it starts allows fault injection, so that a scenario may pull its cable. Not thread-safe, except
 * {@link #cleanUp}, which the Ctrl-C hook may run while a scenario does.
 */
final class DemoScript {
    /** A demo step: what happened, how long it took, and what bounds it. */
    record Step(String scenario, String what, Duration took, String bound) {}

    /** A step that did not happen in time, or a command that failed: the demo stops. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    /** How long a member process may take to start serving. */
    static final Duration START_LIMIT = Duration.ofSeconds(60);

    private final PrintStream out;
    private final MemberTimeouts timeouts;
    private final Path dir;
    private final List<MemberProcess> members = new CopyOnWriteArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final long started = System.nanoTime();
    private volatile PoolClient client;

    DemoScript(PrintStream out, MemberTimeouts timeouts, Path dir) {
        this.out = out;
        this.timeouts = timeouts;
        this.dir = dir;
    }

    MemberTimeouts timeouts() {
        return timeouts;
    }

    Path dir() {
        return dir;
    }

    List<Step> steps() {
        return List.copyOf(steps);
    }

    // --- member processes

    /**
     * A new member process named {@code host<index>} (not started), whose uuid sorts by index; index 1 to 9. It
     * allows fault injection, and belongs to the script from now on.
     */
    MemberProcess member(int index) {
        HostId host = HostId.of(String.format("%08d-0000-4000-8000-00000000000%d", index, index));
        MemberProcess m = new MemberProcess(
                "host" + index,
                host,
                Ports.freePair(),
                dir.resolve("host" + index),
                timeouts,
                true,
                Optional.of(memberTls(index)));
        members.add(m);
        return m;
    }

    /** The pool's TLS directory, made with {@code pool-init-tls} (shown) on first use. */
    private Path tls() {
        Path tls = dir.resolve("tls");
        if (!Files.exists(tls.resolve("ca"))) {
            xe("pool-init-tls", "--dir", tls.toString(), "--members", "3", "--pool-name", "demo");
        }
        return tls;
    }

    /**
     * The TLS credentials of host {@code index}: {@code tls/member-<index>}, issued by the demo's CA when {@code
     * pool-init-tls} did not make it. The emergency commands run with them, as an operator runs them on the host.
     */
    Path memberTls(int index) {
        Path member = tls().resolve("member-" + index);
        if (!Files.exists(member.resolve("cert.pem"))) {
            PoolCertificateAuthority.load(tls().resolve("ca"))
                    .issue(member, CertificateRole.MEMBER, "member-" + index, Duration.ofDays(1));
        }
        return member;
    }

    /** The TLS credentials of {@code m}, for the commands only a member may send (the emergency ones). */
    String memberTls(MemberProcess m) {
        return m.tls().orElseThrow().toString();
    }

    /** The member processes of the current pool, running or not. */
    List<MemberProcess> members() {
        return List.copyOf(members);
    }

    /** Stops counting {@code m} as one of the current pool's processes (it was forgotten). */
    void remove(MemberProcess m) {
        members.remove(m);
    }

    /** Kills every member process (in parallel) and forgets them, so that a scenario can start a fresh pool. */
    void retireAll() {
        closeClient();
        members.parallelStream().forEach(MemberProcess::kill);
        members.clear();
    }

    /** Connects the client (used for checks, not shown) to the current members; call once they serve. */
    void connect() {
        closeClient();
        client = PoolClient.builder()
                .tls(tls().resolve("client"))
                .members(members.stream().map(MemberProcess::address).toList())
                .requestTimeout(Duration.ofSeconds(3))
                .build();
    }

    PoolClient client() {
        return client;
    }

    PoolView view() {
        return client.pool().blocking().read(ReadConsistency.LINEARIZABLE);
    }

    MemberProcess byHost(HostId host) {
        return members.stream()
                .filter(m -> m.host().equals(host))
                .findFirst()
                .orElseThrow(() -> new Failure("no member process for host " + host));
    }

    /** Whether the member at {@code address} says it is in {@code role}; false while it does not answer. */
    boolean hasRole(String address, MemberRole role) {
        return quietly(() -> client.roleOf(address) == role);
    }

    static HostId master(PoolView view) {
        return view.pool().flatMap(p -> p.master()).orElseThrow(() -> new Failure("the pool has no master"));
    }

    static long generation(PoolView view) {
        return view.pool().map(p -> p.generation()).orElse(0L);
    }

    /** Prints the last line of {@code m}'s log containing {@code fragment}, as evidence of what it did. */
    void showLog(MemberProcess m, String fragment) {
        try (Stream<String> lines = Files.lines(m.log(), StandardCharsets.UTF_8)) {
            lines.filter(l -> l.contains(fragment))
                    .reduce((first, second) -> second)
                    .ifPresent(l -> say("  %s's log: %s", m.name(), l.strip()));
        } catch (IOException | UncheckedIOException e) {
            say("  (%s's log could not be read: %s)", m.name(), e.getMessage());
        }
    }

    // --- narration

    void section(String title) {
        say("");
        say("== %s", title);
    }

    void say(String format, Object... args) {
        out.println(String.format(format, args));
        out.flush();
    }

    /** Records a step that began at {@code startNanos} ({@link System#nanoTime}) and ends now, and shows it. */
    void step(String scenario, String what, long startNanos, String bound) {
        Duration took = elapsed(startNanos);
        steps.add(new Step(scenario, what, took, bound));
        say("[%6.1fs] * %s (%s)", elapsed(started).toMillis() / 1000.0, what, Values.human(took));
    }

    void table() {
        section("Summary");
        say("%-3s %-15s %-66s %10s  %s", "#", "scenario", "step", "took", "bound by");
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            say("%-3d %-15s %-66s %10s  %s", i + 1, s.scenario(), s.what(), Values.human(s.took()), s.bound());
        }
        say("Demo finished in %s: every step behaved as the seeds describe.", Values.human(elapsed(started)));
    }

    /** Runs a CLI command in this process, shows it and its output; a failure stops the demo. */
    String xe(String... args) {
        Result r = cli(args);
        if (r.status() != ExitStatus.OK) {
            throw new Failure("poolkeeper " + String.join(" ", args) + " failed (exit " + r.status() + "): "
                    + r.err().strip());
        }
        return r.out();
    }

    /** A join token issued by the pool, for a host about to join (shown, as the demo shows every command). */
    String joinToken() {
        return xe("pool-join-token-create", "validity=1h", "--minimal").strip();
    }

    /** Runs a CLI command that the pool is expected to refuse, showing the refusal. */
    void xeMayFail(String... args) {
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
            status = new Cli(
                            o,
                            e,
                            Map.of(
                                    Cli.ENV_SERVERS,
                                    servers,
                                    Cli.ENV_TLS_DIR,
                                    dir.resolve("tls").resolve("client").toString()))
                    .run(args);
        }
        String text = stdout.toString(StandardCharsets.UTF_8);
        String errors = stderr.toString(StandardCharsets.UTF_8);
        Stream.concat(text.lines(), errors.lines()).filter(l -> !l.isBlank()).forEach(l -> say("    %s", l));
        if (status != ExitStatus.OK) {
            say("    (exit status %d)", status);
        }
        return new Result(status, text, errors);
    }

    /** Polls {@code condition} until it holds; fails the demo after {@code limit}. */
    void await(String what, Duration limit, BooleanSupplier condition) {
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

    /** Waits {@code d}: for what no member reports, as HA heartbeats exchanged. */
    void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
    }

    /** The check's answer, or false if it threw: unreachable, no master yet, refused all mean "not yet". */
    static boolean quietly(BooleanSupplier check) {
        try {
            return check.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    // --- clean-up

    private void closeClient() {
        PoolClient c = client;
        client = null;
        if (c != null) {
            c.close();
        }
    }

    /** Kills every member process and closes the client; idempotent. */
    void cleanUp() {
        closeClient();
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
