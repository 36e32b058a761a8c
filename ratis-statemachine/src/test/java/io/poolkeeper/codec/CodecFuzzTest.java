package io.poolkeeper.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.InvalidProtocolBufferException;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Transition;
import io.poolkeeper.proto.CommandResult;
import io.poolkeeper.proto.PoolSnapshot;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Decoding never throws, whatever the bytes: random arrays and mutations of valid encodings either decode to a
 * command that round-trips, or to an {@link Operation.Invalid} that every state refuses with its code. Seeded: rerun
 * with {@code -Dpoolkeeper.seed=<seed>}.
 */
@Timeout(120)
class CodecFuzzTest {
    private static final int RANDOM_ARRAYS = 3_000;
    private static final int MUTATIONS = 3_000;
    private static final Set<ErrorCode> DECODE_CODES = Set.of(ErrorCode.MALFORMED_COMMAND, ErrorCode.UNKNOWN_OPERATION);

    private static long seed;
    private static List<PoolState> states;
    private static List<byte[]> validCommands;

    @BeforeAll
    static void setUp() {
        seed = Long.getLong("poolkeeper.seed", System.nanoTime());
        System.out.println("CodecFuzzTest seed: " + seed + " (rerun with -Dpoolkeeper.seed=" + seed + ")");
        states = List.of(PoolState.empty(), CodecSamples.populated().state());
        validCommands =
                CodecSamples.commands().stream().map(CommandCodec::encode).toList();
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(seed);
        int invalid = 0;
        for (int i = 0; i < RANDOM_ARRAYS; i++) {
            byte[] bytes = new byte[random.nextInt(300)];
            random.nextBytes(bytes);
            if (checkCommand(bytes, "random array " + i)) {
                invalid++;
            }
            checkBatch(bytes, "random array " + i);
            checkResult(bytes, "random array " + i);
            checkSnapshot(bytes, "random array " + i);
        }
        // Random bytes are almost never a valid protobuf; a few parse as a trivial body (ha-disable, param-set).
        assertTrue(invalid > RANDOM_ARRAYS * 9 / 10, "seed " + seed + ": only " + invalid + " invalid");
    }

    @Test
    void mutatedEncodingsNeverThrow() {
        Random random = new Random(seed ^ 0x5DEECE66DL);
        int invalid = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] original = validCommands.get(random.nextInt(validCommands.size()));
            byte[] bytes = mutate(random, original);
            String where = "mutation " + i + " of " + Arrays.toString(original);
            if (checkCommand(bytes, where)) {
                invalid++;
            }
            checkSnapshot(bytes, where);
        }
        assertTrue(invalid > 0, "seed " + seed + ": some mutations must be refused");
    }

    @Test
    void mutatedSnapshotsDecodeOrAreRefusedWithIllegalArgument() {
        Random random = new Random(seed ^ 0x1234_5678L);
        byte[] snapshot = SnapshotCodec.toBytes(SnapshotCodec.encode(states.get(1), 99));
        int refused = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            if (!checkSnapshot(mutate(random, snapshot), "snapshot mutation " + i)) {
                refused++;
            }
        }
        assertTrue(refused > 0, "seed " + seed + ": some snapshot mutations must be refused");
    }

    /** Checks one input; true when it decoded to an invalid command. */
    private static boolean checkCommand(byte[] bytes, String where) {
        PoolCommand command;
        try {
            command = CommandCodec.decode(bytes);
        } catch (RuntimeException e) {
            throw new AssertionError("seed " + seed + ", " + where + ": decode threw", e);
        }
        if (command.operation() instanceof Operation.Invalid invalid) {
            assertTrue(DECODE_CODES.contains(invalid.code()), "seed " + seed + ", " + where + ": " + invalid);
            assertEquals(PoolCommand.of(invalid), command, "seed " + seed + ", " + where + ": no envelope");
            for (PoolState state : states) {
                Outcome outcome = Transition.apply(state, command, new ApplyContext(1));
                Outcome.Rejected rejected =
                        assertInstanceOf(Outcome.Rejected.class, outcome, "seed " + seed + ", " + where);
                assertEquals(invalid.code(), rejected.rejection().code(), "seed " + seed + ", " + where);
            }
            return true;
        }
        // The bytes happened to be a valid command: it must be a real one, stable under a round trip.
        assertEquals(command, CommandCodec.decode(CommandCodec.encode(command)), "seed " + seed + ", " + where);
        for (PoolState state : states) {
            Transition.apply(state, command, new ApplyContext(1)); // total: must not throw either
        }
        return false;
    }

    private static void checkBatch(byte[] bytes, String where) {
        List<PoolCommand> batch;
        try {
            batch = CommandCodec.decodeBatch(bytes);
        } catch (RuntimeException e) {
            throw new AssertionError("seed " + seed + ", " + where + ": decodeBatch threw", e);
        }
        for (PoolCommand command : batch) {
            if (command.operation() instanceof Operation.Invalid invalid) {
                assertTrue(DECODE_CODES.contains(invalid.code()), "seed " + seed + ", " + where + ": " + invalid);
            }
        }
    }

    private static void checkResult(byte[] bytes, String where) {
        try {
            ResultCodec.Reply reply = ResultCodec.decode(CommandResult.parseFrom(bytes));
            assertFalse(reply.result().isPresent() && reply.rejection().isPresent(), "seed " + seed + ", " + where);
        } catch (InvalidProtocolBufferException e) {
            // Not a CommandResult at all: the caller's parse fails, which is its business.
        } catch (RuntimeException e) {
            throw new AssertionError("seed " + seed + ", " + where + ": ResultCodec.decode threw", e);
        }
        try {
            ResultCodec.decodeBatch(bytes);
        } catch (RuntimeException e) {
            throw new AssertionError("seed " + seed + ", " + where + ": ResultCodec.decodeBatch threw", e);
        }
    }

    /** True when the bytes parsed and decoded to a state; refusals must be IllegalArgumentException only. */
    private static boolean checkSnapshot(byte[] bytes, String where) {
        PoolSnapshot snapshot;
        try {
            snapshot = PoolSnapshot.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
        try {
            PoolState state = SnapshotCodec.decode(snapshot);
            assertEquals(state, SnapshotCodec.decode(SnapshotCodec.encode(state, 0)), "seed " + seed + ", " + where);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        } catch (RuntimeException e) {
            return fail("seed " + seed + ", " + where + ": snapshot decode threw " + e, e);
        }
    }

    /** One to four random edits: flip a byte, truncate, insert or delete a byte. */
    private static byte[] mutate(Random random, byte[] original) {
        byte[] bytes = original.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && bytes.length > 0; e++) {
            int at = random.nextInt(bytes.length);
            switch (random.nextInt(4)) {
                case 0 -> bytes[at] = (byte) random.nextInt(256);
                case 1 -> bytes = Arrays.copyOf(bytes, at);
                case 2 -> {
                    byte[] longer = new byte[bytes.length + 1];
                    System.arraycopy(bytes, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                    bytes = longer;
                }
                default -> {
                    byte[] shorter = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, shorter, 0, at);
                    System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                    bytes = shorter;
                }
            }
        }
        return bytes;
    }
}
