package io.poolkeeper.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.poolkeeper.api.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Property tests of {@link Transition#apply} over seeded random command sequences (DESIGN §9.1): the same log gives
 * the same states and outcomes, every reachable state satisfies {@link Invariants}, nothing throws and nothing is
 * refused as {@code INTERNAL_ERROR}, refusals and retries change nothing. A failure reports the seed and a shrunk
 * command sequence that still fails.
 */
@Timeout(300)
class PoolPropertyTest {
    private static final long SEED = Long.getLong("poolkeeper.seed", System.nanoTime());
    private static final int SEQUENCES = Integer.getInteger("poolkeeper.sequences", 10_000);
    private static final int MAX_LENGTH = 60;

    /** Operations the generator must get applied at least once in a full run, or it is not testing them. */
    private static final Set<String> MUST_SUCCEED = new TreeSet<>(List.of(
            "pool-create",
            "pool-join",
            "pool-eject",
            "pool-designate-new-master",
            "pool-set-master",
            "pool-param-set",
            "pool-ha-enable",
            "pool-ha-disable",
            "host-set-live",
            "host-forget",
            "host-declare-dead",
            "host-enable",
            "host-disable",
            "host-evacuate",
            "vm-create",
            "vm-destroy",
            "vm-param-set",
            "vm-start",
            "vm-shutdown",
            "vm-reboot",
            "vm-suspend",
            "vm-resume",
            "vm-pause",
            "vm-unpause",
            "vm-migrate",
            "vm-complete-operation",
            "vm-reset-powerstate",
            "sr-create",
            "sr-forget",
            "pbd-create",
            "pbd-plug",
            "pbd-unplug",
            "vdi-create",
            "vdi-destroy",
            "vbd-create",
            "vbd-destroy"));

    @Test
    void randomSequencesAreDeterministicAndKeepTheInvariants() {
        System.out.printf(
                "PoolPropertyTest: seed=%d sequences=%d (-Dpoolkeeper.seed=%d reproduces)%n", SEED, SEQUENCES, SEED);
        Random master = new Random(SEED);
        Stats stats = new Stats();
        // One shrunk report per distinct failure (kind and operation), so one bug does not hide the others.
        SortedMap<String, String> failures = new TreeMap<>();
        long started = System.nanoTime();
        for (int i = 0; i < SEQUENCES; i++) {
            long sequenceSeed = master.nextLong();
            List<PoolCommand> commands = generate(new Random(sequenceSeed), 1 + master.nextInt(MAX_LENGTH));
            Optional<Failure> failure = check(commands, stats);
            if (failure.isPresent() && !failures.containsKey(failure.get().signature())) {
                List<PoolCommand> shrunk = shrink(commands, failure.get());
                failures.put(
                        failure.get().signature(),
                        String.format(
                                "sequence #%d (sequence seed %d): %s%nshrunk to %d commands, failing with: %s%n%s",
                                i,
                                sequenceSeed,
                                failure.get(),
                                shrunk.size(),
                                check(shrunk, new Stats()).orElseThrow(),
                                describe(shrunk)));
            }
        }
        System.out.printf(
                "PoolPropertyTest: seed=%d: %d sequences, %d commands (%d applied, %d refused) in %d ms%n",
                SEED,
                SEQUENCES,
                stats.commands,
                stats.applied,
                stats.refused,
                (System.nanoTime() - started) / 1_000_000);
        System.out.println("applied by operation: " + stats.appliedByOperation);
        System.out.println("refused by code: " + stats.refusedByCode);
        if (!failures.isEmpty()) {
            fail(String.format(
                    "seed=%d: %d distinct failures:%n%s",
                    SEED, failures.size(), String.join("\n\n", failures.values())));
        }
        if (SEQUENCES >= 1_000) {
            Set<String> neverApplied = new TreeSet<>(MUST_SUCCEED);
            neverApplied.removeAll(stats.appliedByOperation.keySet());
            assertEquals(Set.of(), neverApplied, "seed=" + SEED + ": the generator never got these applied");
            assertTrue(
                    stats.applied * 4 > stats.commands,
                    "seed=" + SEED + ": too few commands applied to test much: " + stats.applied + "/"
                            + stats.commands);
        }
    }

    // ---------------------------------------------------------------- generation

    /** A sequence generated against the states it produces; pool-create comes first. */
    static List<PoolCommand> generate(Random rnd, int length) {
        RandomCommands generator = new RandomCommands(rnd);
        List<PoolCommand> commands = new ArrayList<>(length);
        PoolState state = PoolState.empty();
        for (int k = 0; k < length; k++) {
            PoolCommand command = generator.next(state);
            commands.add(command);
            if (Transition.apply(state, command, context(k)) instanceof Outcome.Applied applied) {
                state = applied.next();
            }
        }
        return commands;
    }

    private static ApplyContext context(int step) {
        return new ApplyContext(step + 1L);
    }

    // ---------------------------------------------------------------- the properties

    /** What went wrong at which step; {@code kind} is stable across shrinking. */
    record Failure(String kind, int step, String operation, String detail) {
        /** What makes two failures the same bug, as far as a test can tell. */
        String signature() {
            return kind + " in " + operation;
        }

        @Override
        public String toString() {
            return kind + " at step " + step + ": " + detail;
        }
    }

    /**
     * Folds {@code commands} twice from empty states that share nothing, checking every property after every step.
     * Returns the first failure.
     */
    static Optional<Failure> check(List<PoolCommand> commands, Stats stats) {
        PoolState a = PoolState.empty();
        PoolState b = PoolState.empty();
        for (int k = 0; k < commands.size(); k++) {
            PoolCommand command = commands.get(k);
            Outcome outcome;
            Outcome replayed;
            try {
                outcome = Transition.apply(a, command, context(k));
                replayed = Transition.apply(b, command, context(k));
            } catch (RuntimeException | Error e) {
                return Optional.of(
                        new Failure("exception", k, command.operation().xeName(), command + " threw " + e));
            }
            if (!outcome.equals(replayed)) {
                return Optional.of(new Failure(
                        "nondeterminism",
                        k,
                        command.operation().xeName(),
                        command + " gave " + outcome + " and, replayed, " + replayed));
            }
            Optional<Failure> envelope = checkEnvelope(a, command, outcome, k);
            if (envelope.isPresent()) {
                return envelope;
            }
            stats.count(command, outcome, a);
            if (outcome instanceof Outcome.Applied applied) {
                a = applied.next();
                b = ((Outcome.Applied) replayed).next();
            }
            // A refused command keeps the prior states: Outcome.Rejected carries none to move to. Equal outcomes mean
            // equal next states, so a and b stay equal without comparing them again.
            List<String> violations = Invariants.violations(a);
            if (!violations.isEmpty()) {
                return Optional.of(
                        new Failure("invariant", k, command.operation().xeName(), command + " left " + violations));
            }
        }
        return Optional.empty();
    }

    /** The properties every outcome has, whatever the operation: internal errors, generations, retries. */
    private static Optional<Failure> checkEnvelope(PoolState prior, PoolCommand command, Outcome outcome, int k) {
        if (outcome instanceof Outcome.Rejected rejected && rejected.rejection().code() == ErrorCode.INTERNAL_ERROR) {
            return Optional.of(new Failure(
                    "INTERNAL_ERROR", k, command.operation().xeName(), command + " -> " + rejected.rejection()));
        }
        if (prior.pool().isEmpty()) {
            return Optional.empty();
        }
        long generation = prior.requirePool().generation();
        boolean stale = command.expectedGeneration() != 0 && command.expectedGeneration() != generation;
        if (stale) {
            boolean refusedStale =
                    outcome instanceof Outcome.Rejected r && r.rejection().code() == ErrorCode.POOL_GENERATION_STALE;
            return refusedStale
                    ? Optional.empty()
                    : Optional.of(new Failure(
                            "stale generation accepted", k, command.operation().xeName(), command + " -> " + outcome));
        }
        Optional<AppliedRequests.Entry> seen = command.requestId().isEmpty()
                ? Optional.empty()
                : prior.requests().find(command.requestId());
        if (seen.isPresent()) {
            Outcome expected = new Outcome.Applied(prior, seen.get().result());
            if (!outcome.equals(expected)) {
                return Optional.of(new Failure(
                        "retry applied twice",
                        k,
                        command.operation().xeName(),
                        command + " -> " + outcome + ", first result " + seen.get()));
            }
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- shrinking and reporting

    /**
     * A shorter sequence failing the same way: cut after the failing step, then drop chunks of commands (halves,
     * quarters, ... single commands) while it still fails.
     */
    static List<PoolCommand> shrink(List<PoolCommand> commands, Failure original) {
        List<PoolCommand> current = new ArrayList<>(commands);
        Optional<Failure> failure = check(current, new Stats());
        if (failure.isEmpty()) {
            return current;
        }
        current = new ArrayList<>(current.subList(0, failure.get().step() + 1));
        for (int chunk = Math.max(1, current.size() / 2); chunk >= 1; chunk = chunk == 1 ? 0 : chunk / 2) {
            boolean progress = true;
            while (progress) {
                progress = false;
                for (int from = 0; from + chunk <= current.size(); from++) {
                    List<PoolCommand> candidate = new ArrayList<>(current.subList(0, from));
                    candidate.addAll(current.subList(from + chunk, current.size()));
                    if (failsLike(candidate, original)) {
                        current = candidate;
                        progress = true;
                    }
                }
            }
        }
        return current;
    }

    private static boolean failsLike(List<PoolCommand> commands, Failure original) {
        return check(commands, new Stats())
                .filter(f -> f.signature().equals(original.signature()))
                .isPresent();
    }

    private static String describe(List<PoolCommand> commands) {
        return IntStream.range(0, commands.size())
                .mapToObj(k -> "  " + k + ": " + commands.get(k))
                .collect(Collectors.joining("\n"));
    }

    /** Counts of what the run exercised, so a generator that stopped producing useful commands is noticed. */
    static final class Stats {
        long commands;
        long applied;
        long refused;
        final SortedMap<String, Long> appliedByOperation = new TreeMap<>();
        final SortedMap<ErrorCode, Long> refusedByCode = new TreeMap<>();

        void count(PoolCommand command, Outcome outcome, PoolState prior) {
            commands++;
            if (outcome instanceof Outcome.Rejected rejected) {
                refused++;
                refusedByCode.merge(rejected.rejection().code(), 1L, Long::sum);
                return;
            }
            applied++;
            boolean retry = !command.requestId().isEmpty()
                    && prior.requests().find(command.requestId()).isPresent();
            if (!retry) {
                appliedByOperation.merge(command.operation().xeName(), 1L, Long::sum);
            }
        }
    }
}
