package io.poolkeeper.codec;

import com.google.protobuf.InvalidProtocolBufferException;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.proto.CommandBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * Commands between their core form ({@link PoolCommand}) and their wire form ({@link io.poolkeeper.proto.PoolCommand},
 * the bytes of a log entry).
 *
 * <p>Encoding is lossless: {@code fromProto(toProto(c)).equals(c)} and {@code decode(encode(c)).equals(c)} for every
 * command but one carrying an {@link Operation.Invalid}, which has no wire form. Encoded bytes are deterministic.
 *
 * <p>Decoding is total and deterministic: it never throws, and every member makes the same command of the same bytes.
 * What it cannot turn into an operation becomes an {@link Operation.Invalid} that {@link
 * io.poolkeeper.core.Transition#apply} refuses with its code: {@link ErrorCode#UNKNOWN_OPERATION} for a command with
 * no body this version knows (a newer member's operation), {@link ErrorCode#MALFORMED_COMMAND} for bytes that do not
 * parse, an id that is not a UUID, a required enum left unspecified, or an embedded snapshot that does not decode.
 * Such a command carries no request id and no expected generation, so it is refused with exactly that code whatever
 * the state. Values the rules judge (a memory of zero, a negative size) are passed through for the rules to refuse.
 *
 * <p>Stateless and thread-safe.
 */
public final class CommandCodec {
    private CommandCodec() {}

    /** The wire form of {@code command}; {@link IllegalArgumentException} for an {@link Operation.Invalid} one. */
    public static io.poolkeeper.proto.PoolCommand toProto(PoolCommand command) {
        io.poolkeeper.proto.PoolCommand.Builder out = io.poolkeeper.proto.PoolCommand.newBuilder()
                .setRequestId(command.requestId())
                .setIssuedAtMs(command.issuedAtMillis())
                .setExpectedGeneration(command.expectedGeneration());
        OperationEncoder.encode(command.operation(), out);
        return out.build();
    }

    /** The command {@code proto} carries, or one carrying an {@link Operation.Invalid}; never throws. */
    public static PoolCommand fromProto(io.poolkeeper.proto.PoolCommand proto) {
        if (proto == null) {
            return malformed("no command");
        }
        Operation operation;
        try {
            operation = OperationDecoder.decode(proto);
        } catch (IllegalArgumentException e) {
            return malformed(e.getMessage());
        } catch (RuntimeException e) {
            // Not expected; still a refusal rather than an exception, since apply must go on (same on every member).
            return malformed("undecodable command: " + e);
        }
        if (operation instanceof Operation.Invalid) {
            return PoolCommand.of(operation);
        }
        return new PoolCommand(proto.getRequestId(), proto.getIssuedAtMs(), proto.getExpectedGeneration(), operation);
    }

    /** The bytes of {@code command} (deterministic); {@link IllegalArgumentException} for an invalid one. */
    public static byte[] encode(PoolCommand command) {
        return Wire.bytes(toProto(command));
    }

    /** The command in {@code bytes}; bytes that do not parse give a {@link ErrorCode#MALFORMED_COMMAND} one. */
    public static PoolCommand decode(byte[] bytes) {
        if (bytes == null) {
            return malformed("no bytes");
        }
        try {
            return fromProto(io.poolkeeper.proto.PoolCommand.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            return malformed("not a PoolCommand: " + e.getMessage());
        } catch (RuntimeException e) {
            return malformed("not a PoolCommand: " + e);
        }
    }

    /** The bytes of a batch of commands (one log entry, one result each); deterministic. */
    public static byte[] encodeBatch(List<PoolCommand> commands) {
        CommandBatch.Builder batch = CommandBatch.newBuilder();
        for (PoolCommand command : commands) {
            batch.addCommands(toProto(command));
        }
        return Wire.bytes(batch.build());
    }

    /**
     * The batch in {@code bytes} with every command stamped {@code issuedAtMillis} and everything else as sent, bodies
     * this version does not know included, so every member still decodes the same refusals from it. For a batch that
     * cannot be re-encoded from its decoded commands. Bytes that are not a batch are returned as they are: they
     * decode to one malformed command, which is refused and never remembered, so it needs no stamp.
     */
    public static byte[] stampBatch(byte[] bytes, long issuedAtMillis) {
        CommandBatch batch;
        try {
            batch = CommandBatch.parseFrom(bytes);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return bytes;
        }
        CommandBatch.Builder stamped = batch.toBuilder();
        for (int i = 0; i < stamped.getCommandsCount(); i++) {
            stamped.setCommands(i, stamped.getCommands(i).toBuilder().setIssuedAtMs(issuedAtMillis));
        }
        return Wire.bytes(stamped.build());
    }

    /**
     * The commands of a batch, in order. Bytes that do not parse give one {@link ErrorCode#MALFORMED_COMMAND} command
     * (there is no telling how many were meant); a batch of no commands gives an empty list. Never throws.
     */
    public static List<PoolCommand> decodeBatch(byte[] bytes) {
        if (bytes == null) {
            return List.of(malformed("no bytes"));
        }
        CommandBatch batch;
        try {
            batch = CommandBatch.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return List.of(malformed("not a CommandBatch: " + e.getMessage()));
        } catch (RuntimeException e) {
            return List.of(malformed("not a CommandBatch: " + e));
        }
        List<PoolCommand> commands = new ArrayList<>(batch.getCommandsCount());
        for (io.poolkeeper.proto.PoolCommand command : batch.getCommandsList()) {
            commands.add(fromProto(command));
        }
        return List.copyOf(commands);
    }

    private static PoolCommand malformed(String detail) {
        return PoolCommand.of(new Operation.Invalid(ErrorCode.MALFORMED_COMMAND, detail));
    }
}
