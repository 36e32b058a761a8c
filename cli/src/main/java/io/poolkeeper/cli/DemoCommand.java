package io.poolkeeper.cli;

import io.poolkeeper.api.MemberTimeouts;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code poolkeeper demo}: runs the {@link Demo} (the first seed) and the {@link HaDemo} (the second) in a fresh
 * directory, prints the table of their steps, and removes its processes and files afterwards, on success, on failure
 * and on Ctrl-C. Exit status 0 when every step behaved as the seeds describe.
 */
@Command(
        name = "demo",
        description = {
            "Start a 3-host pool on loopback, one member process per host, and narrate the seed's failures as they"
                    + " happen: a slave killed, the master killed, two hosts killed (emergency mode).",
            "Then pool HA (the second seed) on fresh pools: a 3-host pool where a host's cable is pulled (it is"
                    + " fenced, its protected VM restarted elsewhere), a 2-host pool where either cable fences the"
                    + " higher UUID.",
            "Ends with a table of the steps and how long each took; removes its processes and files."
        },
        sortOptions = false)
final class DemoCommand implements Callable<Integer> {
    /** The demo's timeouts: the seed's, scaled down so that the whole demo takes about a minute. */
    static final MemberTimeouts DEMO = new MemberTimeouts(
            Duration.ofMillis(500),
            Duration.ofSeconds(3),
            Duration.ofSeconds(6),
            Duration.ofMillis(400),
            Duration.ofMillis(800),
            Duration.ofSeconds(5));

    /** The shortest timeouts that stay reliable on a loaded 2-core machine (tests). */
    static final MemberTimeouts FAST = new MemberTimeouts(
            Duration.ofMillis(250),
            Duration.ofMillis(1500),
            Duration.ofSeconds(3),
            Duration.ofMillis(400),
            Duration.ofMillis(800),
            Duration.ofSeconds(5));

    @Option(names = "--fast", description = "the shortest timeouts (host dead after 1.5s, emergency after 3s)")
    boolean fast;

    @Mixin
    TimeoutOptions timeouts = new TimeoutOptions();

    @Option(
            names = "--ha-timeout",
            paramLabel = "DURATION",
            defaultValue = "5s",
            description = "HA's timeout T for the HA scenarios, whole seconds (default ${DEFAULT-VALUE})")
    String haTimeout;

    @Option(names = "--keep", description = "keep the directory with the members' data and logs")
    boolean keep;

    @Option(names = "--dir", paramLabel = "DIR", description = "where to create the demo's directory (default: tmp)")
    Path parent;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "show this help")
    boolean help;

    private final PrintStream out;
    private final PrintStream err;

    DemoCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        MemberTimeouts t;
        try {
            t = timeouts.resolve(fast ? FAST : DEMO);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Duration ha = Invocation.parse("--ha-timeout", haTimeout, Values::duration);
        if (ha.toMillis() % 1000 != 0 || ha.toSeconds() < 1) {
            // The pool keeps ha-timeout in whole seconds, at least one.
            throw new UsageException("--ha-timeout: whole seconds, at least 1s (e.g. 5s)");
        }
        Path dir = parent == null
                ? Files.createTempDirectory("poolkeeper-demo")
                : Files.createTempDirectory(Files.createDirectories(parent), "poolkeeper-demo");
        DemoScript script = new DemoScript(out, t, dir);
        AtomicBoolean cleaned = new AtomicBoolean();
        AtomicBoolean interrupted = new AtomicBoolean();
        Runnable cleanUp = () -> {
            if (cleaned.compareAndSet(false, true)) {
                script.cleanUp();
                if (!keep) {
                    DemoScript.delete(dir);
                }
            }
        };
        Thread hook = new Thread(
                () -> {
                    interrupted.set(true);
                    err.println("poolkeeper demo: interrupted; removing its member processes"
                            + (keep ? "" : " and " + dir));
                    cleanUp.run();
                },
                "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            new Demo(script).run();
            new HaDemo(script, ha).run();
            script.table();
            return ExitStatus.OK;
        } catch (RuntimeException e) {
            if (!interrupted.get()) {
                err.println("Demo FAILED: " + e.getMessage());
                err.println("The members' logs are in " + dir + (keep ? "" : " (run with --keep to keep them)"));
            }
            return ExitStatus.FAILED;
        } finally {
            cleanUp.run();
            if (!interrupted.get() && removeHook(hook)) {
                out.println(keep ? "Kept " + dir : "Removed the member processes and " + dir);
                out.flush();
            }
        }
    }

    /** Whether the hook was removed: false once the JVM is shutting down (the hook then runs or ran). */
    private static boolean removeHook(Thread hook) {
        try {
            return Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }
}
