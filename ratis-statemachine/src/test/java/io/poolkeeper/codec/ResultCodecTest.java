package io.poolkeeper.codec;

import static io.poolkeeper.codec.CodecSamples.H1;
import static io.poolkeeper.codec.CodecSamples.H2;
import static io.poolkeeper.codec.CodecSamples.H3;
import static io.poolkeeper.codec.CodecSamples.VM1;
import static io.poolkeeper.codec.CodecSamples.VM2;
import static io.poolkeeper.codec.CodecSamples.VM3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.core.Result;
import io.poolkeeper.proto.CommandResult;
import io.poolkeeper.proto.Evacuation;
import io.poolkeeper.proto.Joined;
import io.poolkeeper.proto.Move;
import io.poolkeeper.proto.Placed;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(60)
class ResultCodecTest {

    static List<Result> results() {
        TreeMap<VmId, HostId> moves = new TreeMap<>();
        moves.put(VM2, H3);
        moves.put(VM1, H1);
        return List.of(
                Result.DONE,
                new Result.Placed(H2),
                new Result.Evacuation(moves),
                new Result.Evacuation(new TreeMap<>()),
                new Result.VmsHalted(List.of(VM3, VM1)), // order is the result's, kept as is
                new Result.VmsHalted(List.of()),
                new Result.Joined(HostRole.VOTER),
                new Result.Joined(HostRole.LISTENER),
                new Result.Joined(HostRole.WITNESS),
                new Result.JoinTokenCreated(1_700_000_060_000L));
    }

    @ParameterizedTest
    @MethodSource("results")
    void resultRoundTrip(Result result) {
        assertEquals(ResultCodec.Reply.of(result), ResultCodec.decode(ResultCodec.encode(result)));
        assertEquals(result, ResultCodec.result(ResultCodec.encode(result)));
    }

    @Test
    void everyResultTypeHasASample() {
        Set<Class<?>> sampled = results().stream().map(Object::getClass).collect(Collectors.toSet());
        assertEquals(Set.of(Result.class.getPermittedSubclasses()), sampled);
    }

    @ParameterizedTest
    @EnumSource(ErrorCode.class)
    void rejectionRoundTripForEveryCode(ErrorCode code) {
        Rejection rejection = Rejection.of(code, VM1, "Halted|Suspended", 42);
        assertEquals(ResultCodec.Reply.of(rejection), ResultCodec.decode(ResultCodec.encode(rejection)));
        Rejection bare = new Rejection(code, List.of(), "");
        assertEquals(ResultCodec.Reply.of(bare), ResultCodec.decode(ResultCodec.encode(bare)));
    }

    @Test
    void outcomeEncodesItsResultOrItsRejection() {
        Result placed = new Result.Placed(H1);
        assertEquals(ResultCodec.encode(placed), ResultCodec.encode(Outcome.applied(PoolState.empty(), placed)));
        Rejection rejection = Rejection.of(ErrorCode.HOST_OFFLINE, H2);
        CommandResult encoded = ResultCodec.encode(Outcome.rejected(rejection));
        assertEquals("HOST_OFFLINE", encoded.getRejected().getCode());
        assertEquals(List.of(H2.toString()), encoded.getRejected().getParamsList());
        assertEquals(rejection.message(), encoded.getRejected().getMessage());
    }

    @Test
    void unknownCodeNameReadsAsInternalErrorKeepingTheRest() {
        CommandResult proto = CommandResult.newBuilder()
                .setRejected(io.poolkeeper.proto.Rejection.newBuilder()
                        .setCode("SOME_FUTURE_CODE")
                        .addParams("a")
                        .setMessage("from a newer member"))
                .build();
        assertEquals(
                ResultCodec.Reply.of(new Rejection(ErrorCode.INTERNAL_ERROR, List.of("a"), "from a newer member")),
                ResultCodec.decode(proto));
    }

    static Stream<CommandResult> malformedResults() {
        return Stream.of(
                CommandResult.getDefaultInstance(),
                CommandResult.newBuilder()
                        .setPlaced(Placed.newBuilder().setHostUuid("h1"))
                        .build(),
                CommandResult.newBuilder()
                        .setPlaced(Placed.getDefaultInstance())
                        .build(),
                CommandResult.newBuilder()
                        .setJoined(Joined.getDefaultInstance())
                        .build(),
                CommandResult.newBuilder()
                        .setJoined(Joined.newBuilder().setRoleValue(17))
                        .build(),
                CommandResult.newBuilder()
                        .setEvacuation(Evacuation.newBuilder()
                                .addMoves(Move.newBuilder()
                                        .setVmUuid(VM1.toString())
                                        .setHostUuid(H1.toString()))
                                .addMoves(Move.newBuilder()
                                        .setVmUuid(VM1.toString())
                                        .setHostUuid(H2.toString())))
                        .build(),
                CommandResult.newBuilder()
                        .setVmsHalted(io.poolkeeper.proto.VmsHalted.newBuilder().addVmUuids("vm"))
                        .build());
    }

    @ParameterizedTest
    @MethodSource("malformedResults")
    void malformedResultReadsAsMalformedRejection(CommandResult proto) {
        ResultCodec.Reply reply = ResultCodec.decode(proto);
        assertEquals(Optional.empty(), reply.result());
        assertEquals(
                ErrorCode.MALFORMED_COMMAND, reply.rejection().orElseThrow().code());
        assertThrows(IllegalArgumentException.class, () -> ResultCodec.result(proto));
    }

    @Test
    void nullResultReadsAsMalformed() {
        assertEquals(
                ErrorCode.MALFORMED_COMMAND,
                ResultCodec.decode(null).rejection().orElseThrow().code());
    }

    @Test
    void replyHoldsExactlyOne() {
        assertThrows(IllegalArgumentException.class, () -> new ResultCodec.Reply(Optional.empty(), Optional.empty()));
        assertThrows(
                IllegalArgumentException.class,
                () -> new ResultCodec.Reply(
                        Optional.of(Result.DONE), Optional.of(Rejection.of(ErrorCode.HOST_OFFLINE))));
    }

    @Test
    void batchRoundTrip() {
        List<CommandResult> results = Stream.concat(
                        results().stream().map(ResultCodec::encode),
                        Arrays.stream(ErrorCode.values()).map(c -> ResultCodec.encode(Rejection.of(c, "p"))))
                .toList();
        assertEquals(results, ResultCodec.decodeBatch(ResultCodec.encodeBatch(results)));
    }

    @Test
    void garbageBatchIsOneMalformedRejection() {
        List<CommandResult> decoded = ResultCodec.decodeBatch(new byte[] {0x0a, 0x7f});
        assertEquals(1, decoded.size());
        assertEquals("MALFORMED_COMMAND", decoded.get(0).getRejected().getCode());
        assertTrue(decoded.get(0).getRejected().getMessage().contains("BatchResult"));
        assertEquals(1, ResultCodec.decodeBatch(null).size());
    }
}
