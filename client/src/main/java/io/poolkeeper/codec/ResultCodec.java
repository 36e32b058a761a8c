package io.poolkeeper.codec;

import com.google.protobuf.InvalidProtocolBufferException;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.core.Result;
import io.poolkeeper.proto.BatchResult;
import io.poolkeeper.proto.CommandResult;
import io.poolkeeper.proto.Done;
import io.poolkeeper.proto.Evacuation;
import io.poolkeeper.proto.Joined;
import io.poolkeeper.proto.Move;
import io.poolkeeper.proto.Placed;
import io.poolkeeper.proto.VmsHalted;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What applying a command produced ({@link Result} or {@link Rejection}) and its wire form ({@link CommandResult}),
 * the reply of a log entry and the result kept in the request window of a snapshot.
 *
 * <p>Lossless: {@code decode(encode(x))} gives back {@code x} for every result and every rejection whose code this
 * version knows; a code name it does not know reads as {@link ErrorCode#fromName} says ({@link
 * ErrorCode#INTERNAL_ERROR}), with the original params and message kept. Decoding never throws: a result with no
 * outcome set, an unknown outcome, or one that is malformed (an id that is not a UUID) reads as a rejection with
 * {@link ErrorCode#MALFORMED_COMMAND}. Stateless and thread-safe.
 */
public final class ResultCodec {
    private ResultCodec() {}

    /**
     * A decoded reply: exactly one of a result and a rejection.
     *
     * @param result what the applied command returned
     * @param rejection why the command was refused
     */
    public record Reply(Optional<Result> result, Optional<Rejection> rejection) {
        public Reply {
            Objects.requireNonNull(result, "result");
            Objects.requireNonNull(rejection, "rejection");
            if (result.isPresent() == rejection.isPresent()) {
                throw new IllegalArgumentException("a reply holds exactly one of a result and a rejection");
            }
        }

        public static Reply of(Result result) {
            return new Reply(Optional.of(result), Optional.empty());
        }

        public static Reply of(Rejection rejection) {
            return new Reply(Optional.empty(), Optional.of(rejection));
        }
    }

    /** The wire form of an outcome: an applied command's result, or the rejection. */
    public static CommandResult encode(Outcome outcome) {
        if (outcome instanceof Outcome.Applied applied) {
            return encode(applied.result());
        }
        return encode(((Outcome.Rejected) outcome).rejection());
    }

    public static CommandResult encode(Result result) {
        CommandResult.Builder out = CommandResult.newBuilder();
        if (result instanceof Result.Done) {
            out.setDone(Done.getDefaultInstance());
        } else if (result instanceof Result.Placed placed) {
            out.setPlaced(Placed.newBuilder().setHostUuid(placed.host().toString()));
        } else if (result instanceof Result.Evacuation evacuation) {
            Evacuation.Builder moves = Evacuation.newBuilder();
            for (Map.Entry<VmId, HostId> move : evacuation.moves().entrySet()) {
                moves.addMoves(Move.newBuilder()
                        .setVmUuid(move.getKey().toString())
                        .setHostUuid(move.getValue().toString()));
            }
            out.setEvacuation(moves);
        } else if (result instanceof Result.VmsHalted halted) {
            VmsHalted.Builder vms = VmsHalted.newBuilder();
            halted.vms().forEach(vm -> vms.addVmUuids(vm.toString()));
            out.setVmsHalted(vms);
        } else if (result instanceof Result.Joined joined) {
            out.setJoined(Joined.newBuilder().setRole(EnumCodec.toProto(joined.role())));
        } else if (result instanceof Result.JoinTokenCreated created) {
            out.setJoinTokenCreated(
                    io.poolkeeper.proto.JoinTokenCreated.newBuilder().setExpiresAtMs(created.expiresAtMillis()));
        } else {
            throw new IllegalArgumentException(
                    "no wire form for " + result.getClass().getName());
        }
        return out.build();
    }

    public static CommandResult encode(Rejection rejection) {
        return CommandResult.newBuilder()
                .setRejected(io.poolkeeper.proto.Rejection.newBuilder()
                        .setCode(rejection.code().name())
                        .addAllParams(rejection.params())
                        .setMessage(rejection.message()))
                .build();
    }

    /** The result or rejection {@code proto} carries; never throws. */
    public static Reply decode(CommandResult proto) {
        if (proto == null) {
            return malformed("no result");
        }
        try {
            if (proto.getOutcomeCase() == CommandResult.OutcomeCase.REJECTED) {
                return Reply.of(rejection(proto.getRejected()));
            }
            return Reply.of(result(proto));
        } catch (IllegalArgumentException e) {
            return malformed(e.getMessage());
        } catch (RuntimeException e) {
            return malformed("undecodable result: " + e);
        }
    }

    /** The bytes of the results of a batch, in command order; deterministic. */
    public static byte[] encodeBatch(List<CommandResult> results) {
        return Wire.bytes(BatchResult.newBuilder().addAllResults(results).build());
    }

    /**
     * The results of a batch, in command order. Bytes that do not parse give one {@link ErrorCode#MALFORMED_COMMAND}
     * rejection, so a caller matching results to commands sees a count that does not match. Never throws.
     */
    public static List<CommandResult> decodeBatch(byte[] bytes) {
        try {
            return List.copyOf(BatchResult.parseFrom(bytes).getResultsList());
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return List.of(encode(malformedRejection("not a BatchResult: " + e.getMessage())));
        }
    }

    /**
     * The successful result {@code proto} carries; {@link IllegalArgumentException} for a rejection, no outcome, or a
     * malformed one. For the request window of a snapshot, where only results are kept.
     */
    static Result result(CommandResult proto) {
        return switch (proto.getOutcomeCase()) {
            case DONE -> Result.DONE;
            case PLACED -> new Result.Placed(
                    Wire.id("placed.host_uuid", proto.getPlaced().getHostUuid(), HostId::new));
            case EVACUATION -> evacuation(proto.getEvacuation());
            case VMS_HALTED -> vmsHalted(proto.getVmsHalted());
            case JOINED -> new Result.Joined(
                    EnumCodec.hostRole("joined.role", proto.getJoined().getRole()));
            case JOIN_TOKEN_CREATED -> new Result.JoinTokenCreated(
                    proto.getJoinTokenCreated().getExpiresAtMs());
            case REJECTED -> throw new IllegalArgumentException("a rejection where a result was expected");
            case OUTCOME_NOT_SET -> throw new IllegalArgumentException("the result has no outcome this member knows");
        };
    }

    private static Result evacuation(Evacuation proto) {
        SortedMap<VmId, HostId> moves = new TreeMap<>();
        for (Move move : proto.getMovesList()) {
            VmId vm = Wire.id("evacuation.moves.vm_uuid", move.getVmUuid(), VmId::new);
            HostId host = Wire.id("evacuation.moves.host_uuid", move.getHostUuid(), HostId::new);
            if (moves.putIfAbsent(vm, host) != null) {
                throw new IllegalArgumentException("evacuation.moves: VM " + vm + " is listed twice");
            }
        }
        return new Result.Evacuation(moves);
    }

    private static Result vmsHalted(VmsHalted proto) {
        List<VmId> vms = new ArrayList<>(proto.getVmUuidsCount());
        for (String vm : proto.getVmUuidsList()) {
            vms.add(Wire.id("vms_halted.vm_uuids", vm, VmId::new));
        }
        return new Result.VmsHalted(vms);
    }

    /** The core form of a wire rejection. */
    public static Rejection rejection(io.poolkeeper.proto.Rejection proto) {
        return new Rejection(ErrorCode.fromName(proto.getCode()), proto.getParamsList(), proto.getMessage());
    }

    private static Reply malformed(String detail) {
        return Reply.of(malformedRejection(detail));
    }

    private static Rejection malformedRejection(String detail) {
        return Rejection.of(ErrorCode.MALFORMED_COMMAND, detail);
    }
}
