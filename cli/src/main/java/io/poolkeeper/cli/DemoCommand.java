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
 * {@code poolkeeper demo}: runs the {@link Demo} in a fresh directory and removes its processes and files afterwards,
 * on success, on failure and on Ctrl-C. Exit status 0 when every step behaved as the seed describes.
 */
@Command(
        name = "demo",
        description = {
            "Start a 3-host pool on loopback, one member process per host, and narrate the seed's failures as they"
                    + " happen: a slave killed, the master killed, two hosts killed (emergency mode).",
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
        Path dir = parent == null
                ? Files.createTempDirectory("poolkeeper-demo")
                : Files.createTempDirectory(Files.createDirectories(parent), "poolkeeper-demo");
        Demo demo = new Demo(out, t, dir);
        AtomicBoolean cleaned = new AtomicBoolean();
        AtomicBoolean interrupted = new AtomicBoolean();
        Runnable cleanUp = () -> {
            if (cleaned.compareAndSet(false, true)) {
                demo.cleanUp();
                if (!keep) {
                    Demo.delete(dir);
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
            demo.run();
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
