package io.poolkeeper.examples.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keeps the member logs of the slowest failover trial so far: what each member wrote from the trial's start to its
 * end, one file per member in {@code into}. A rare slow election is then read from the members' own words rather than
 * guessed at from the benchmark's output (session 19's unexplained 1.5 s trials). Not thread-safe: one benchmark
 * thread.
 */
final class SlowestTrial {
    private final Path into;
    private final List<Path> logs;
    private final List<Long> starts = new ArrayList<>();
    private double slowest = -1;
    private int trial;

    SlowestTrial(Path into, List<Path> logs) {
        this.into = into;
        this.logs = List.copyOf(logs);
    }

    /** A trial starts now: remembers where each member's log ends. */
    void started() {
        starts.clear();
        for (Path log : logs) {
            starts.add(size(log));
        }
    }

    /** The trial took {@code millis}: if no trial before was slower, its logs replace those kept. */
    void ended(int trial, double millis) {
        if (millis <= slowest) {
            return;
        }
        slowest = millis;
        this.trial = trial;
        try {
            Benchmark.deleteTree(into);
            Files.createDirectories(into);
            for (int i = 0; i < logs.size(); i++) {
                Path log = logs.get(i);
                try (InputStream in = Files.newInputStream(log);
                        OutputStream out = Files.newOutputStream(
                                into.resolve(log.getParent().getFileName() + ".log"))) {
                    in.skipNBytes(starts.get(i));
                    in.transferTo(out);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not keep the logs of trial " + trial + " in " + into, e);
        }
    }

    /** Where the logs are, and of which trial, for the report; empty before the first trial ends. */
    String describe() {
        return slowest < 0
                ? ""
                : String.format(
                        Locale.ROOT, "member logs of the slowest trial (%d, %.0f ms) in %s", trial, slowest, into);
    }

    private static long size(Path log) {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
