package io.poolkeeper.examples.bench;

import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.testing.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.IntStream;

/**
 * {@code poolkeeper member} processes started the way a user starts them: through the repository's {@code
 * ./poolkeeper} launcher (which execs {@code java $POOLKEEPER_JAVA_OPTS ... io.poolkeeper.cli.Main member}, so the
 * process id is the member JVM's), plain text ({@code --insecure}), default member timeouts, each with its own
 * storage directory and loopback ports (service port P, Raft P + 1). Member 0 creates the pool; the others join it
 * with a join token passed in the environment. Each member exits with this JVM ({@code --watch-parent}), even when
 * this JVM is killed; {@link #close} and a shutdown hook stop them otherwise, and remove the directory.
 *
 * <p>For the benchmarks of issue 13: find the master, kill -9 a member ({@link #kill}), restart it on its own
 * directory and ports ({@link #restart}), read each member's CPU time ({@link #cpuNanos}). Thread-safe.
 */
final class MemberProcesses implements AutoCloseable {
    /**
     * The launcher's own default for POOLKEEPER_JAVA_OPTS (see the {@code poolkeeper} script): transparent huge pages
     * added where the kernel offers them, as the script does.
     */
    static final String LAUNCHER_JVM = launcherJvm();

    private static final Duration START = Duration.ofMinutes(2);
    private static final Duration BUILD = Duration.ofMinutes(10);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private static String launcherJvm() {
        String opts = "-XX:+UseG1GC -Xms1g -Xmx1g -XX:+AlwaysPreTouch";
        try {
            String thp = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            return thp.contains("[always]") || thp.contains("[madvise]")
                    ? opts + " -XX:+UseTransparentHugePages"
                    : opts;
        } catch (IOException e) {
            return opts;
        }
    }

    /** One member's fixed identity: restarted, it keeps its uuid, directory and ports. */
    record Member(String name, String hostUuid, int port, Path dir) {
        String address() {
            return "127.0.0.1:" + port;
        }
    }

    private final Path launcher;
    private final String jvm;
    private final Path dir;
    private final List<Member> members = new ArrayList<>();
    private final ChildProcess[] processes;
    /** Options added to every member's command line (e.g. {@code --election-timeout 150ms..300ms}). */
    private final List<String> memberArgs;

    private final Thread hook;
    private PoolClient status;

    private MemberProcesses(Path root, String jvm, List<String> memberArgs, int size, Path dir) {
        this.launcher = root.resolve("poolkeeper");
        this.jvm = jvm;
        this.memberArgs = List.copyOf(memberArgs);
        this.dir = dir;
        for (int i = 1; i <= size; i++) {
            members.add(new Member(
                    "host" + i,
                    String.format("%08d-0000-4000-8000-%012d", i, i),
                    Ports.freePair(),
                    dir.resolve("host" + i)));
        }
        processes = new ChildProcess[size];
        hook = new Thread(this::destroyAll, "members-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts {@code size} members of a new pool, each a process launched by {@code root/poolkeeper} with {@code
     * jvm} as its POOLKEEPER_JAVA_OPTS (non-empty: the launcher replaces an empty value with its default) and {@code
     * memberArgs} added to its command line, in a new temporary directory under {@code parent}; returns once every
     * member serves.
     */
    static MemberProcesses start(Path root, String jvm, List<String> memberArgs, int size, Path parent)
            throws Exception {
        MemberProcesses m =
                new MemberProcesses(root, jvm, memberArgs, size, Files.createTempDirectory(parent, "members"));
        try {
            m.buildLauncher();
            m.launch(0, List.of("--create-pool", "bench"), Map.of());
            m.processes[0].awaitReady(START);
            m.status = PoolClient.builder().insecure().members(m.addresses()).build();
            String token =
                    m.status.pool().createJoinToken(Duration.ofHours(1)).join().token();
            // One join at a time: two joining together change the Raft configuration together, and one of them
            // can fail (seen once under load: the second joiner removed from the group and exiting).
            for (int i = 1; i < size; i++) {
                m.launch(i, List.of("--join", m.members.get(0).address()), Map.of("POOLKEEPER_JOIN_TOKEN", token));
                m.processes[i].awaitReady(START);
            }
            return m;
        } catch (Exception | Error e) {
            m.close();
            throw e;
        }
    }

    /** The launcher builds the CLI when it is missing or stale: once, before any member starts. */
    private void buildLauncher() {
        ChildProcess build = ChildProcess.start(
                "poolkeeper-build",
                List.of("bash", launcher.toString(), "help"),
                Map.of(),
                dir.resolve("launcher-build.log"),
                null);
        int status = build.awaitExit(BUILD);
        if (status != 0) {
            build.kill();
            throw new IllegalStateException(launcher + " help failed (exit status " + status + "):\n" + build.tail());
        }
    }

    private synchronized void launch(int i, List<String> poolArgs, Map<String, String> env) {
        if (processes[i] != null && processes[i].alive()) {
            throw new IllegalStateException(members.get(i).name() + " is running");
        }
        Member m = members.get(i);
        List<String> command = new ArrayList<>(List.of(
                "bash",
                launcher.toString(),
                "member",
                "--host-uuid",
                m.hostUuid(),
                "--name-label",
                m.name(),
                "--listen",
                m.address(),
                "--data",
                m.dir().toString(),
                "--insecure",
                "--watch-parent"));
        command.addAll(memberArgs);
        command.addAll(poolArgs);
        Map<String, String> environment = new java.util.HashMap<>(env);
        environment.put("POOLKEEPER_JAVA_OPTS", jvm);
        processes[i] = ChildProcess.start(
                m.name(), command, environment, m.dir().resolve("member.log"), "poolkeeper member ready:");
    }

    int size() {
        return members.size();
    }

    /** Each member's log (its output, appended across restarts), in member order. */
    List<Path> logs() {
        return members.stream().map(m -> m.dir().resolve("member.log")).toList();
    }

    Member member(int i) {
        return members.get(i);
    }

    List<String> addresses() {
        return members.stream().map(Member::address).toList();
    }

    /** A client given every member's address (members run without TLS), each request retried for {@code timeout}. */
    PoolClient client(Duration timeout) {
        return PoolClient.builder()
                .insecure()
                .members(addresses())
                .requestTimeout(timeout)
                .build();
    }

    /** The member's process id (the JVM's: the launcher execs it). */
    synchronized long pid(int i) {
        return processes[i].pid();
    }

    /** CPU time member {@code i}'s current process has used so far (ns), -1 when it is not running. */
    synchronized long cpuNanos(int i) {
        return processes[i] == null ? -1 : processes[i].cpuNanos();
    }

    synchronized boolean alive(int i) {
        return processes[i] != null && processes[i].alive();
    }

    /** What member {@code i} says its role is; empty when it does not answer. */
    Optional<MemberRole> role(int i) {
        try {
            return Optional.of(status.roleOf(members.get(i).address()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The index of the member that says it is master, if exactly one running member says so. */
    OptionalInt master() {
        int[] masters = IntStream.range(0, size())
                .filter(i -> alive(i) && role(i).orElse(null) == MemberRole.MASTER)
                .toArray();
        return masters.length == 1 ? OptionalInt.of(masters[0]) : OptionalInt.empty();
    }

    /** The master's index, waiting up to {@code timeout} for one. */
    int awaitMaster(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            OptionalInt master = master();
            if (master.isPresent()) {
                return master.getAsInt();
            }
            Thread.sleep(50); // polling another process's role: nothing to wait on here
        }
        throw new IllegalStateException("no master among " + addresses() + " after " + timeout);
    }

    /** Waits until every running member reports {@code MASTER} or {@code SLAVE} (up to {@code timeout}). */
    void awaitSettled(Duration timeout) throws InterruptedException {
        awaitSettled(Duration.ZERO, timeout);
    }

    /**
     * Waits until every running member has reported {@code MASTER} or {@code SLAVE} for {@code steady} on end (up to
     * {@code timeout}).
     */
    void awaitSettled(Duration steady, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long since = -1;
        while (System.nanoTime() < deadline) {
            boolean settled = IntStream.range(0, size()).filter(this::alive).allMatch(i -> role(i).map(
                            r -> r == MemberRole.MASTER || r == MemberRole.SLAVE)
                    .orElse(false));
            if (settled && master().isPresent()) {
                long now = System.nanoTime();
                since = since < 0 ? now : since;
                if (now - since >= steady.toNanos()) {
                    return;
                }
            } else {
                since = -1;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("members not settled after " + timeout);
    }

    /**
     * Waits until no running member used more than {@code maxShare} of one core over the last {@code window}, for at
     * most {@code timeout}; returns how long it waited (ns), or -1 when the members were still busy at the timeout. A
     * member process started again a moment ago compiles its code for seconds, on the cores the others share here.
     */
    long awaitQuiet(Duration window, double maxShare, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long[] before = IntStream.range(0, size()).mapToLong(this::cpuNanos).toArray();
            long from = System.nanoTime();
            Thread.sleep(window.toMillis());
            long elapsed = System.nanoTime() - from;
            boolean quiet = true;
            for (int i = 0; i < size(); i++) {
                long after = cpuNanos(i);
                if (before[i] >= 0 && after >= 0 && after - before[i] > maxShare * elapsed) {
                    quiet = false;
                }
            }
            if (quiet) {
                return System.nanoTime() - start;
            }
        }
        return -1;
    }

    /** SIGSTOP of member {@code i} (see {@link ChildProcess#freeze}); {@link #kill} ends it. */
    void freeze(int i) {
        ChildProcess p;
        synchronized (this) {
            p = processes[i];
        }
        p.freeze();
    }

    /** kill -9 of member {@code i} (Process.destroyForcibly sends SIGKILL); returns once the process is gone. */
    void kill(int i) {
        ChildProcess p;
        synchronized (this) {
            p = processes[i];
        }
        p.kill();
    }

    /** Starts member {@code i} again on its own directory and ports (it resumes its pool); returns once it serves. */
    void restart(int i) {
        launch(i, List.of(), Map.of());
        ChildProcess p;
        synchronized (this) {
            p = processes[i];
        }
        p.awaitReady(START);
    }

    private synchronized void destroyAll() {
        for (ChildProcess p : processes) {
            if (p != null) {
                p.kill();
            }
        }
        Benchmark.deleteTree(dir);
    }

    /** Stops every member (SIGTERM, SIGKILL after 10 s) and removes their directories. */
    @Override
    public void close() {
        if (status != null) {
            status.close();
        }
        List<ChildProcess> running;
        synchronized (this) {
            running = java.util.Arrays.stream(processes)
                    .filter(p -> p != null && p.alive())
                    .toList();
        }
        // In parallel: each member closing alone would wait for the others' heartbeats.
        running.parallelStream().forEach(p -> p.stop(STOP_GRACE));
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Called from another shutdown hook: ours runs (or ran) anyway.
        }
    }
}
