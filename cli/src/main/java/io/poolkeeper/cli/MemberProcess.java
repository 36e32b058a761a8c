package io.poolkeeper.cli;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.model.HostId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@code poolkeeper member} running in a separate JVM, started with this JVM's class path: what the demo and the
 * end-to-end test kill and restart. Its output goes to {@code member.log} in its directory. The member exits with
 * its parent ({@code --watch-parent}), so a killed demo leaves no orphan. Thread-safe.
 */
final class MemberProcess implements AutoCloseable {
    /** How much of its log a member that failed to start shows in the error. */
    private static final int LOG_TAIL_LINES = 30;

    private static final List<String> JVM_OPTIONS =
            List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final String name;
    private final HostId host;
    private final int port;
    private final Path dir;
    private final MemberTimeouts timeouts;
    private final boolean faultInjection;
    /** Its TLS credentials directory; empty: {@code --insecure}. */
    private final Optional<Path> tls;

    private Process process;
    private Thread reader;
    private CompletableFuture<String> ready;

    /**
     * A member to be started later.
     *
     * @param name its name-label
     * @param host its uuid
     * @param port its PoolService port; Raft uses the next one
     * @param dir its storage directory (its log file goes there)
     * @param timeouts the timeouts it runs with
     */
    MemberProcess(String name, HostId host, int port, Path dir, MemberTimeouts timeouts) {
        this(name, host, port, dir, timeouts, false, Optional.empty());
    }

    /**
     * A member to be started later, every time with {@code --allow-fault-injection} if {@code faultInjection}
     * (tests and the demo only: it then obeys {@code host-pull-cable} and the other link commands), and with
     * {@code --tls-dir tls}, or {@code --insecure} when {@code tls} is empty.
     */
    MemberProcess(
            String name,
            HostId host,
            int port,
            Path dir,
            MemberTimeouts timeouts,
            boolean faultInjection,
            Optional<Path> tls) {
        this.name = name;
        this.host = host;
        this.port = port;
        this.dir = dir;
        this.timeouts = timeouts;
        this.faultInjection = faultInjection;
        this.tls = tls;
    }

    String name() {
        return name;
    }

    HostId host() {
        return host;
    }

    /** Its TLS credentials directory; empty when it runs {@code --insecure}. */
    Optional<Path> tls() {
        return tls;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    Path log() {
        return dir.resolve("member.log");
    }

    /**
     * Starts the JVM: it creates a pool, joins one, or (neither) resumes the pool stored in its directory.
     *
     * @param poolArgs {@code --create-pool NAME}, {@code --join ADDRESS} or nothing
     */
    synchronized void start(List<String> poolArgs) {
        start(poolArgs, Map.of());
    }

    /**
     * Starts the JVM to join the pool served at {@code address} with {@code joinToken}, passed in the environment
     * ({@link MemberCommand#ENV_JOIN_TOKEN}) so that it does not show in the process list.
     */
    void join(String address, String joinToken) {
        start(List.of("--join", address), Map.of(MemberCommand.ENV_JOIN_TOKEN, joinToken));
    }

    private synchronized void start(List<String> poolArgs, Map<String, String> env) {
        if (alive()) {
            throw new IllegalStateException(name + " is running");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "member"));
        command.addAll(List.of(
                "--host-uuid",
                host.toString(),
                "--name-label",
                name,
                "--listen",
                address(),
                "--data",
                dir.toString(),
                "--watch-parent"));
        command.addAll(TimeoutOptions.args(timeouts));
        if (faultInjection) {
            command.add("--allow-fault-injection");
        }
        if (tls.isPresent()) {
            command.addAll(List.of("--tls-dir", tls.get().toString()));
        } else {
            command.add("--insecure");
        }
        command.addAll(poolArgs);
        try {
            Files.createDirectories(dir);
            ProcessBuilder builder =
                    new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE);
            builder.environment().putAll(env);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
        ready = new CompletableFuture<>();
        Process started = process;
        CompletableFuture<String> readyLine = ready;
        reader = new Thread(() -> copyOutput(started, readyLine), "output-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Copies the member's output to its log, completing {@code readyLine} with the ready line. */
    private void copyOutput(Process started, CompletableFuture<String> readyLine) {
        try (BufferedReader lines =
                        new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8));
                Writer log = Files.newBufferedWriter(
                        log(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            String line;
            while ((line = lines.readLine()) != null) {
                log.write(line);
                log.write('\n');
                log.flush();
                if (line.startsWith(MemberCommand.READY)) {
                    readyLine.complete(line);
                }
            }
        } catch (IOException e) {
            // The process died or its directory was removed: the exit below reports it.
        }
        readyLine.completeExceptionally(new IllegalStateException(name + " exited before it was ready (exit status "
                + exitStatus(started) + "); see " + log() + ", which ends:\n" + tail(log(), LOG_TAIL_LINES)));
    }

    /** The last lines of {@code file}: what a member said before it exited, for the message that reports it. */
    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static String exitStatus(Process p) {
        try {
            return p.waitFor(5, TimeUnit.SECONDS) ? String.valueOf(p.exitValue()) : "none yet";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** Waits for the ready line; fails if the member exits first or takes longer than {@code timeout}. */
    String awaitReady(Duration timeout) {
        try {
            return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(name + " not ready after " + Values.human(timeout) + "; see " + log()
                    + ", which ends:\n" + tail(log(), LOG_TAIL_LINES));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: the host dies with no chance to tell anyone. Returns once the process is gone. */
    void kill() {
        end(true);
    }

    /** SIGTERM: the member closes cleanly. Returns once the process is gone. */
    void stop() {
        end(false);
    }

    private void end(boolean forcibly) {
        Process p;
        Thread copier;
        synchronized (this) {
            p = process;
            copier = reader;
        }
        if (p == null || !p.isAlive()) {
            return;
        }
        // Signal through the handle: Process.destroy() would also close our end of the member's output pipe, and
        // what it prints while shutting down would be lost.
        if (forcibly) {
            p.toHandle().destroyForcibly();
        } else {
            p.toHandle().destroy();
        }
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.toHandle().destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            // The log is complete once the last of the output is copied.
            copier.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.toHandle().destroyForcibly();
        }
    }

    @Override
    public void close() {
        kill();
    }
}
