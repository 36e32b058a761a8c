package io.poolkeeper.examples.bench;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One process a benchmark started (a member, a ZooKeeper server): its output copied to a log file, the first line
 * starting with a given prefix awaited as its ready line, its CPU time read from /proc. Thread-safe.
 */
final class ChildProcess {
    private final String name;
    private final Process process;
    private final Path log;
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    private final Thread copier;

    private ChildProcess(String name, Process process, Path log, String readyPrefix) {
        this.name = name;
        this.process = process;
        this.log = log;
        copier = new Thread(() -> copy(readyPrefix), "output-" + name);
        copier.setDaemon(true);
        copier.start();
    }

    /**
     * Starts {@code command} with {@code env} added to this JVM's environment, its output (stdout and stderr)
     * appended to {@code log}; the ready line is the first starting with {@code readyPrefix} (null: none awaited).
     */
    static ChildProcess start(
            String name, List<String> command, Map<String, String> env, Path log, String readyPrefix) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(env);
            return new ChildProcess(name, builder.start(), log, readyPrefix);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name + ": " + command, e);
        }
    }

    private void copy(String readyPrefix) {
        try (BufferedReader lines =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer out = Files.newBufferedWriter(
                        log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            String line;
            while ((line = lines.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                if (readyPrefix != null && line.startsWith(readyPrefix)) {
                    ready.complete(line);
                }
            }
        } catch (IOException e) {
            // The process died or its directory was removed: the exit reported below says so.
        }
        ready.completeExceptionally(new IllegalStateException(name + " exited before it was ready; see " + log));
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** CPU time this process has used so far (user + system), in ns; -1 once it is gone. */
    long cpuNanos() {
        return ProcStat.cpuNanos(process.pid());
    }

    /** Waits for the ready line; fails if the process exits first or takes longer than {@code timeout}. */
    String awaitReady(Duration timeout) {
        try {
            return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage() + "\n" + tail(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(name + " not ready after " + timeout + "; see " + log + "\n" + tail());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Waits for the process to exit by itself; its exit status, or -1 after {@code timeout}. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return -1;
            }
            copier.join(5_000);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * SIGSTOP: the process stops where it is, its sockets open (the kernel still accepts connections and data for
     * it), and answers nothing: to the others, a hung host or one whose power or cable went.
     */
    void freeze() {
        try {
            Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(process.pid()))
                    .inheritIO()
                    .start();
            if (stop.waitFor() != 0) {
                throw new IllegalStateException("kill -STOP " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** SIGKILL (Process.destroyForcibly), then waits until it is gone: a crash, nothing closed cleanly. */
    void kill() {
        process.toHandle().destroyForcibly();
        awaitGone();
    }

    /** SIGTERM, then SIGKILL if it is still there after {@code grace}. */
    void stop(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        process.toHandle().destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.toHandle().destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.toHandle().destroyForcibly();
        }
        awaitGone();
    }

    private void awaitGone() {
        try {
            process.waitFor(30, TimeUnit.SECONDS);
            copier.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of the log, for an error message. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e + ")";
        }
    }
}
