package io.poolkeeper.examples.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The benchmark's command line ({@code key=value}, all optional; {@link Benchmark} says what each means), parsed once.
 * Some benchmarks default a key differently: {@link #seconds} gives the value given, else that benchmark's default.
 */
record BenchmarkArgs(
        int window,
        int jit,
        int warmup,
        int measure,
        int trials,
        Set<String> paths,
        List<Duration> haTimeouts,
        List<HaFailover.Scenario> scenarios,
        int plannerTrials,
        int tlsRounds,
        int writes,
        List<Integer> scaleVms,
        int scaleMembers,
        int scaleProcesses,
        int readSeconds,
        Set<String> side,
        String memberJvm,
        List<String> memberArgs,
        int stabilitySeconds,
        int syncWarmup,
        int processFailovers,
        boolean failoverQuiet,
        boolean failoverStop,
        int failoverVms,
        Set<String> given) {

    static final String[] ALL_PATHS = {"master", "slave", "remote", "bare"};

    /** Parses {@code args}; an unknown key is an {@link IllegalArgumentException} naming the known ones. */
    static BenchmarkArgs parse(String[] args) {
        int window = 1000;
        int jit = 40;
        int warmup = 5;
        int measure = 10;
        int trials = 10;
        Set<String> paths = Set.of(ALL_PATHS);
        List<Duration> haTimeouts = List.of();
        int plannerTrials = 0;
        int tlsRounds = 0;
        int writes = 2_000;
        List<Integer> scaleVms = List.of();
        int scaleMembers = 8;
        int scaleProcesses = 0;
        int readSeconds = 3;
        Set<String> side = Set.of();
        String memberJvm = MemberProcesses.LAUNCHER_JVM;
        List<String> memberArgs = List.of();
        int stabilitySeconds = 0;
        int syncWarmup = 5_000;
        int processFailovers = 0;
        boolean failoverQuiet = false;
        boolean failoverStop = false;
        int failoverVms = 0;
        Set<String> given = new HashSet<>();
        List<HaFailover.Scenario> scenarios = List.of(HaFailover.Scenario.values());
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            String value = kv.length == 2 ? kv[1] : "";
            given.add(kv[0]);
            switch (kv[0]) {
                case "window" -> window = Integer.parseInt(value);
                case "jit" -> jit = Integer.parseInt(value);
                case "warmup" -> warmup = Integer.parseInt(value);
                case "measure" -> measure = Integer.parseInt(value);
                case "trials" -> trials = Integer.parseInt(value);
                case "paths" -> paths = Set.of(value.split(","));
                case "ha" -> haTimeouts = Arrays.stream(value.split(","))
                        .map(s -> Duration.ofSeconds(Long.parseLong(s)))
                        .toList();
                case "planner" -> plannerTrials = Integer.parseInt(value);
                case "tls" -> tlsRounds = Integer.parseInt(value);
                case "writes" -> writes = Integer.parseInt(value);
                case "scale" -> scaleVms =
                        Arrays.stream(value.split(",")).map(Integer::parseInt).toList();
                case "members" -> scaleMembers = Integer.parseInt(value);
                case "processes" -> scaleProcesses = Integer.parseInt(value);
                case "reads" -> readSeconds = Integer.parseInt(value);
                case "side" -> side =
                        value.isEmpty() || value.equals("all") ? SideBySide.PARTS : Set.of(value.split(","));
                case "memberJvm" -> memberJvm = value;
                case "memberArgs" -> memberArgs =
                        value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
                case "syncWarmup" -> syncWarmup = Integer.parseInt(value);
                case "failover" -> processFailovers = Integer.parseInt(value);
                case "failoverQuiet" -> failoverQuiet = Boolean.parseBoolean(value);
                case "failoverStop" -> failoverStop = Boolean.parseBoolean(value);
                case "failoverVms" -> failoverVms = Integer.parseInt(value);
                case "stability" -> stabilitySeconds = Integer.parseInt(value);
                case "scenarios" -> scenarios = Arrays.stream(value.split(","))
                        .map(s -> HaFailover.Scenario.valueOf(s.toUpperCase(Locale.ROOT)))
                        .toList();
                default -> throw new IllegalArgumentException("unknown argument " + arg
                        + " (window=, jit=, warmup=, measure=, trials=, paths=, ha=, scenarios=, planner=, tls=,"
                        + " writes=, scale=, members=, processes=, reads=, side=, memberJvm=, memberArgs=, syncWarmup=,"
                        + " failover=, failoverQuiet=, failoverStop=, failoverVms=, stability=)");
            }
        }
        return new BenchmarkArgs(
                window,
                jit,
                warmup,
                measure,
                trials,
                paths,
                haTimeouts,
                scenarios,
                plannerTrials,
                tlsRounds,
                writes,
                scaleVms,
                scaleMembers,
                scaleProcesses,
                readSeconds,
                side,
                memberJvm,
                memberArgs,
                stabilitySeconds,
                syncWarmup,
                processFailovers,
                failoverQuiet,
                failoverStop,
                failoverVms,
                Set.copyOf(given));
    }

    /** {@code value} seconds if {@code key} was given, else {@code otherwise} seconds (that benchmark's default). */
    Duration seconds(String key, int value, int otherwise) {
        return Duration.ofSeconds(given.contains(key) ? value : otherwise);
    }

    /** {@code value} if {@code key} was given, else {@code otherwise}. */
    int count(String key, int value, int otherwise) {
        return given.contains(key) ? value : otherwise;
    }
}
