package io.poolkeeper.codec;

import static io.poolkeeper.codec.CodecSamples.H1;
import static io.poolkeeper.codec.CodecSamples.H2;
import static io.poolkeeper.codec.CodecSamples.PBD1;
import static io.poolkeeper.codec.CodecSamples.POOL;
import static io.poolkeeper.codec.CodecSamples.VM1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.UnknownFieldSet;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.TestJoinTokens;
import io.poolkeeper.core.Transition;
import io.poolkeeper.proto.HostRole;
import io.poolkeeper.proto.PbdPlacement;
import io.poolkeeper.proto.VmOperation;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(60)
class CommandCodecTest {

    static Stream<Arguments> commands() {
        return CodecSamples.commands().stream()
                .map(c -> Arguments.of(c.operation().xeName(), c));
    }

    // ---------------------------------------------------------------- round trips

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void protoRoundTripIsLossless(String name, PoolCommand command) {
        assertEquals(command, CommandCodec.fromProto(CommandCodec.toProto(command)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void byteRoundTripIsLosslessAndDeterministic(String name, PoolCommand command) {
        byte[] bytes = CommandCodec.encode(command);
        PoolCommand decoded = CommandCodec.decode(bytes);
        assertEquals(command, decoded);
        assertArrayEquals(bytes, CommandCodec.encode(decoded), "equal commands encode to equal bytes");
    }

    @Test
    void everyOperationAndEveryWireBodyHasASample() {
        Set<Class<?>> sampled =
                CodecSamples.operations().stream().map(Object::getClass).collect(Collectors.toSet());
        Set<Class<?>> expected = Arrays.stream(Operation.class.getPermittedSubclasses())
                .filter(type -> type != Operation.Invalid.class)
                .collect(Collectors.toSet());
        assertEquals(expected, sampled, "every operation but Invalid needs a round-trip sample");

        Set<io.poolkeeper.proto.PoolCommand.BodyCase> bodies = CodecSamples.commands().stream()
                .map(c -> CommandCodec.toProto(c).getBodyCase())
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(io.poolkeeper.proto.PoolCommand.BodyCase.class)));
        Set<io.poolkeeper.proto.PoolCommand.BodyCase> allBodies =
                EnumSet.allOf(io.poolkeeper.proto.PoolCommand.BodyCase.class);
        allBodies.remove(io.poolkeeper.proto.PoolCommand.BodyCase.BODY_NOT_SET);
        assertEquals(allBodies, bodies, "every body of the wire format is produced by some operation");
    }

    @Test
    void hostSpecRoleTravelsAsRequestedRole() {
        var voter = CommandCodec.toProto(PoolCommand.of(TestJoinTokens.join(CodecSamples.spec(H2, 2, false))));
        var witness = CommandCodec.toProto(PoolCommand.of(TestJoinTokens.join(CodecSamples.spec(H2, 2, true))));
        assertEquals(HostRole.VOTER, voter.getPoolJoin().getHost().getRequestedRole());
        assertEquals(HostRole.WITNESS, witness.getPoolJoin().getHost().getRequestedRole());

        // An older or minimal sender leaves the role unspecified: a voter is meant.
        var unspecified = voter.toBuilder();
        unspecified.getPoolJoinBuilder().getHostBuilder().setRequestedRole(HostRole.HOST_ROLE_UNSPECIFIED);
        var decoded =
                (Operation.PoolJoin) CommandCodec.fromProto(unspecified.build()).operation();
        assertEquals(false, decoded.host().witness());
    }

    @Test
    void optionalIdsTravelAsEmptyStrings() {
        var proto = CommandCodec.toProto(PoolCommand.of(new Operation.VmStart(VM1, java.util.Optional.empty(), false)));
        assertEquals("", proto.getVmStart().getOn());
        var present =
                CommandCodec.toProto(PoolCommand.of(new Operation.VmStart(VM1, java.util.Optional.of(H1), false)));
        assertEquals(H1.toString(), present.getVmStart().getOn());
    }

    @Test
    void importCarriesASnapshotOfTheCurrentFormatAtIndexZero() {
        var populated = CodecSamples.populated().state();
        var proto = CommandCodec.toProto(PoolCommand.of(new Operation.PoolImport(populated, 2, H1)));
        assertEquals(
                SnapshotCodec.FORMAT_VERSION, proto.getPoolImport().getState().getFormatVersion());
        assertEquals(0, proto.getPoolImport().getState().getAppliedIndex());
    }

    @Test
    void decodedImportAppliesToAFreshMember() {
        var populated = CodecSamples.populated().state();
        PoolCommand command = CommandCodec.decode(CommandCodec.encode(PoolCommand.of(
                new Operation.PoolImport(populated, populated.requirePool().generation() + 1, H1))));
        var applied = assertInstanceOf(
                Outcome.Applied.class, Transition.apply(PoolState.empty(), command, new ApplyContext(1)));
        assertEquals(2, applied.next().requirePool().generation());
        assertEquals(populated.vms(), applied.next().vms());
        // The window comes along, in its order and with its results (the rules may renumber it for the new log).
        assertEquals(windowInOrder(populated), windowInOrder(applied.next()));
    }

    @Test
    void invalidOperationCannotBeEncoded() {
        PoolCommand invalid = PoolCommand.of(new Operation.Invalid(ErrorCode.MALFORMED_COMMAND, "x"));
        assertThrows(IllegalArgumentException.class, () -> CommandCodec.toProto(invalid));
        assertThrows(IllegalArgumentException.class, () -> CommandCodec.encode(invalid));
        assertThrows(IllegalArgumentException.class, () -> CommandCodec.encodeBatch(List.of(invalid)));
    }

    @Test
    void replayingTheLogThroughBytesReachesTheSameState() {
        CodecSamples.Built built = CodecSamples.populated();
        PoolState state = PoolState.empty();
        long index = 0;
        for (PoolCommand original : built.log()) {
            PoolCommand decoded = CommandCodec.decode(CommandCodec.encode(original));
            Outcome outcome = Transition.apply(state, decoded, new ApplyContext(++index));
            state = assertInstanceOf(Outcome.Applied.class, outcome, original::toString)
                    .next();
        }
        assertEquals(built.state(), state);
    }

    // ---------------------------------------------------------------- batches

    @Test
    void batchRoundTripKeepsOrder() {
        List<PoolCommand> commands = CodecSamples.commands();
        assertEquals(commands, CommandCodec.decodeBatch(CommandCodec.encodeBatch(commands)));
        assertEquals(List.of(), CommandCodec.decodeBatch(CommandCodec.encodeBatch(List.of())));
    }

    @Test
    void batchWithOneBadCommandKeepsTheOthers() {
        var good = CommandCodec.toProto(PoolCommand.of(new Operation.HostEnable(H1)));
        var bad = good.toBuilder();
        bad.getHostEnableBuilder().setHostUuid("nope");
        byte[] bytes = io.poolkeeper.proto.CommandBatch.newBuilder()
                .addCommands(good)
                .addCommands(bad)
                .addCommands(good)
                .build()
                .toByteArray();
        List<PoolCommand> decoded = CommandCodec.decodeBatch(bytes);
        assertEquals(3, decoded.size());
        assertEquals(new Operation.HostEnable(H1), decoded.get(0).operation());
        assertInvalid(ErrorCode.MALFORMED_COMMAND, decoded.get(1), "host_enable.host_uuid");
        assertEquals(new Operation.HostEnable(H1), decoded.get(2).operation());
    }

    /** The leader stamps batches it cannot re-encode (one command is invalid) at the wire level. */
    @Test
    void stampingABatchSetsEveryStampAndKeepsEverythingElse() {
        var good = CommandCodec.toProto(new PoolCommand("req-1", 42, 3, new Operation.HostEnable(H1)));
        var bad = good.toBuilder();
        bad.getHostEnableBuilder().setHostUuid("nope");
        var newer = io.poolkeeper.proto.PoolCommand.newBuilder()
                .setRequestId("req-2")
                .setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(
                                119,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(com.google.protobuf.ByteString.copyFromUtf8("x"))
                                        .build())
                        .build())
                .build();
        byte[] bytes = io.poolkeeper.proto.CommandBatch.newBuilder()
                .addCommands(good)
                .addCommands(bad)
                .addCommands(newer)
                .build()
                .toByteArray();

        List<PoolCommand> stamped = CommandCodec.decodeBatch(CommandCodec.stampBatch(bytes, 1_234));
        assertEquals(3, stamped.size());
        assertEquals(new PoolCommand("req-1", 1_234, 3, new Operation.HostEnable(H1)), stamped.get(0));
        assertInvalid(ErrorCode.MALFORMED_COMMAND, stamped.get(1), "host_enable.host_uuid");
        assertInvalid(ErrorCode.UNKNOWN_OPERATION, stamped.get(2), "119");

        byte[] garbage = {(byte) 0xff, 0x01, 0x02};
        assertSame(garbage, CommandCodec.stampBatch(garbage, 1_234), "not a batch: nothing to stamp");
    }

    @Test
    void garbageBatchIsOneMalformedCommand() {
        List<PoolCommand> decoded = CommandCodec.decodeBatch(new byte[] {(byte) 0xff, 0x01, 0x02});
        assertEquals(1, decoded.size());
        assertInvalid(ErrorCode.MALFORMED_COMMAND, decoded.get(0), "CommandBatch");
        assertInvalid(
                ErrorCode.MALFORMED_COMMAND, CommandCodec.decodeBatch(null).get(0), "");
    }

    // ---------------------------------------------------------------- refusals

    /** A valid command's wire form with one field spoiled, and the field the refusal must name. */
    static Stream<Arguments> malformed() {
        return Stream.of(
                spoil(
                        "pool_create.pool_uuid",
                        new Operation.PoolCreate(POOL, "p", CodecSamples.spec(H1, 1, false), 0),
                        b -> b.setPoolCreate(b.getPoolCreate().toBuilder().setPoolUuid("pool"))),
                spoil(
                        "pool_create.master.uuid",
                        new Operation.PoolCreate(POOL, "p", CodecSamples.spec(H1, 1, false), 0),
                        b -> b.setPoolCreate(b.getPoolCreate().toBuilder()
                                .setMaster(b.getPoolCreate().getMaster().toBuilder()
                                        .setUuid("")))),
                spoil(
                        "pool_create.master: missing",
                        new Operation.PoolCreate(POOL, "p", CodecSamples.spec(H1, 1, false), 0),
                        b -> b.setPoolCreate(b.getPoolCreate().toBuilder().clearMaster())),
                spoil(
                        "pool_join.host.requested_role",
                        TestJoinTokens.join(CodecSamples.spec(H2, 2, false)),
                        b -> b.setPoolJoin(b.getPoolJoin().toBuilder()
                                .setHost(b.getPoolJoin().getHost().toBuilder().setRequestedRole(HostRole.LISTENER)))),
                spoil(
                        "pool_join.host.requested_role",
                        TestJoinTokens.join(CodecSamples.spec(H2, 2, false)),
                        b -> b.setPoolJoin(b.getPoolJoin().toBuilder()
                                .setHost(b.getPoolJoin().getHost().toBuilder().setRequestedRoleValue(42)))),
                spoil(
                        "pool_join.host: missing",
                        TestJoinTokens.join(CodecSamples.spec(H2, 2, false)),
                        b -> b.setPoolJoin(io.poolkeeper.proto.PoolJoin.getDefaultInstance())),
                spoil(
                        "pool_eject.host_uuid",
                        new Operation.PoolEject(H2),
                        b -> b.setPoolEject(b.getPoolEject().toBuilder().setHostUuid(H2 + " "))),
                spoil(
                        "vm_create.vm_uuid",
                        vmCreate(),
                        b -> b.setVmCreate(b.getVmCreate().toBuilder().setVmUuid(""))),
                spoil(
                        "vm_create.affinity",
                        vmCreate(),
                        b -> b.setVmCreate(b.getVmCreate().toBuilder().setAffinity("host-2"))),
                spoil(
                        "vm_create.ha_restart_priority",
                        vmCreate(),
                        b -> b.setVmCreate(b.getVmCreate().toBuilder().setHaRestartPriorityValue(99))),
                spoil(
                        "vm_start.vm_uuid",
                        new Operation.VmStart(VM1, java.util.Optional.of(H1), false),
                        b -> b.setVmStart(b.getVmStart().toBuilder().setVmUuid("{" + VM1 + "}"))),
                spoil(
                        "vm_start.on",
                        new Operation.VmStart(VM1, java.util.Optional.of(H1), false),
                        b -> b.setVmStart(b.getVmStart().toBuilder().setOn("0-0-0-0-0"))),
                spoil(
                        "vm_migrate.host_uuid",
                        new Operation.VmMigrate(VM1, H2),
                        b -> b.setVmMigrate(
                                b.getVmMigrate().toBuilder().setHostUuid("+0000000-0000-4000-8000-000000000002"))),
                spoil(
                        "vm_complete_operation.operation",
                        new Operation.VmCompleteOperation(VM1, io.poolkeeper.api.model.VmOperation.START, true),
                        b -> b.setVmCompleteOperation(b.getVmCompleteOperation().toBuilder()
                                .setOperation(VmOperation.VM_OPERATION_UNSPECIFIED))),
                spoil(
                        "sr_create.pbds.host_uuid",
                        srCreate(),
                        b -> b.setSrCreate(b.getSrCreate().toBuilder()
                                .setPbds(
                                        0,
                                        b.getSrCreate().getPbds(0).toBuilder().setHostUuid("h")))),
                spoil(
                        "sr_create.pbds.pbd_uuid",
                        srCreate(),
                        b -> b.setSrCreate(b.getSrCreate().toBuilder()
                                .setPbds(
                                        1,
                                        b.getSrCreate().getPbds(1).toBuilder().setPbdUuid("")))),
                spoil(
                        "sr_create.pbds: host",
                        srCreate(),
                        b -> b.setSrCreate(b.getSrCreate().toBuilder()
                                .addPbds(PbdPlacement.newBuilder()
                                        .setHostUuid(H1.toString())
                                        .setPbdUuid(PBD1.toString())))),
                spoil(
                        "pbd_create.sr_uuid",
                        new Operation.PbdCreate(PBD1, CodecSamples.SR1, H1, new java.util.TreeMap<>()),
                        b -> b.setPbdCreate(b.getPbdCreate().toBuilder().setSrUuid("sr"))),
                spoil(
                        "vbd_create.vdi_uuid",
                        new Operation.VbdCreate(CodecSamples.VBD1, VM1, CodecSamples.VDI1, "xvda"),
                        b -> b.setVbdCreate(b.getVbdCreate().toBuilder().setVdiUuid("x".repeat(36)))),
                spoil(
                        "host_set_live.host_uuid",
                        new Operation.HostSetLive(H1, true),
                        b -> b.setHostSetLive(b.getHostSetLive().toBuilder()
                                .setHostUuid(H1.toString().replace('-', '_')))),
                spoil(
                        "pool_import.state: missing",
                        importOp(),
                        b -> b.setPoolImport(b.getPoolImport().toBuilder().clearState())),
                spoil(
                        "pool_import.state: unknown snapshot format_version 4",
                        importOp(),
                        b -> b.setPoolImport(b.getPoolImport().toBuilder()
                                .setState(
                                        b.getPoolImport().getState().toBuilder().setFormatVersion(4)))),
                spoil(
                        "pool_import.state: hosts.uuid",
                        importOp(),
                        b -> b.setPoolImport(b.getPoolImport().toBuilder()
                                .setState(b.getPoolImport().getState().toBuilder()
                                        .setHosts(
                                                0,
                                                b.getPoolImport().getState().getHosts(0).toBuilder()
                                                        .setUuid("me"))))),
                spoil(
                        "pool_import.state: vms.power_state",
                        importOp(),
                        b -> b.setPoolImport(b.getPoolImport().toBuilder()
                                .setState(b.getPoolImport().getState().toBuilder()
                                        .setVms(
                                                0,
                                                b.getPoolImport().getState().getVms(0).toBuilder()
                                                        .setPowerState(
                                                                io.poolkeeper.proto.PowerState
                                                                        .POWER_STATE_UNSPECIFIED))))),
                spoil(
                        "pool_import.master_uuid",
                        importOp(),
                        b -> b.setPoolImport(b.getPoolImport().toBuilder().setMasterUuid(""))),
                spoil(
                        "pool_import_begin.master_uuid",
                        new Operation.PoolImportBegin("import/2", 2, H1, 2, 5),
                        b -> b.setPoolImportBegin(
                                b.getPoolImportBegin().toBuilder().setMasterUuid("master"))),
                spoil(
                        "pool_import_chunk.part: missing",
                        chunkOp(),
                        b -> b.setPoolImportChunk(
                                b.getPoolImportChunk().toBuilder().clearPart())),
                spoil(
                        "pool_import_chunk.part: vms.power_state",
                        chunkOp(),
                        b -> b.setPoolImportChunk(b.getPoolImportChunk().toBuilder()
                                .setPart(b.getPoolImportChunk().getPart().toBuilder()
                                        .setVms(
                                                0,
                                                b.getPoolImportChunk().getPart().getVms(0).toBuilder()
                                                        .setPowerState(
                                                                io.poolkeeper.proto.PowerState
                                                                        .POWER_STATE_UNSPECIFIED))))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedFieldIsRefusedNamingIt(String field, io.poolkeeper.proto.PoolCommand proto) {
        PoolCommand decoded = CommandCodec.fromProto(proto);
        assertInvalid(ErrorCode.MALFORMED_COMMAND, decoded, field);
        assertInvalid(ErrorCode.MALFORMED_COMMAND, CommandCodec.decode(proto.toByteArray()), field);
        // Refused with the codec's code whatever the envelope said, on a fresh member and in a pool.
        assertRefusedEverywhere(decoded, ErrorCode.MALFORMED_COMMAND);
    }

    @Test
    void missingBodyIsAnUnknownOperation() {
        var proto = io.poolkeeper.proto.PoolCommand.newBuilder()
                .setRequestId("req-x")
                .build();
        assertInvalid(ErrorCode.UNKNOWN_OPERATION, CommandCodec.fromProto(proto), "no operation");
        assertInvalid(ErrorCode.UNKNOWN_OPERATION, CommandCodec.decode(new byte[0]), "no operation");
    }

    @Test
    void bodyFromANewerVersionIsAnUnknownOperationNeverSkipped() {
        // Field 119 is in the storage block but unused: what an old member sees of a newer operation.
        var newer = io.poolkeeper.proto.PoolCommand.newBuilder()
                .setRequestId("req-create") // a request id the pool has applied before
                .setExpectedGeneration(1)
                .setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(
                                119,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(com.google.protobuf.ByteString.copyFromUtf8("x"))
                                        .build())
                        .build())
                .build();
        PoolCommand decoded = CommandCodec.decode(newer.toByteArray());
        assertInvalid(ErrorCode.UNKNOWN_OPERATION, decoded, "119");
        assertEquals("", decoded.requestId(), "an invalid command is never deduplicated into an old result");
        assertRefusedEverywhere(decoded, ErrorCode.UNKNOWN_OPERATION);
    }

    @Test
    void unspecifiedPriorityInVmCreateMeansNone() {
        var proto = CommandCodec.toProto(PoolCommand.of(vmCreate())).toBuilder();
        proto.getVmCreateBuilder()
                .setHaRestartPriority(io.poolkeeper.proto.HaRestartPriority.HA_RESTART_PRIORITY_UNSPECIFIED);
        var decoded = (Operation.VmCreate) CommandCodec.fromProto(proto.build()).operation();
        assertEquals(HaRestartPriority.NONE, decoded.haRestartPriority());
    }

    @Test
    void uppercaseUuidIsAcceptedAsTheSameId() {
        var proto = CommandCodec.toProto(PoolCommand.of(new Operation.HostEnable(H1))).toBuilder();
        proto.getHostEnableBuilder().setHostUuid(H1.toString().toUpperCase(java.util.Locale.ROOT));
        assertEquals(
                new Operation.HostEnable(H1),
                CommandCodec.fromProto(proto.build()).operation());
    }

    @Test
    void valuesTheRulesJudgePassThroughToTheRules() {
        PoolState pool = CodecSamples.populated().state();
        assertRuleRefusal(
                pool,
                new Operation.VmCreate(vmId(9), "zero", 0, 1, java.util.Optional.empty(), HaRestartPriority.NONE, 0),
                ErrorCode.INVALID_VALUE);
        assertRuleRefusal(
                pool,
                new Operation.VmCreate(vmId(9), "cpu", 1, -1, java.util.Optional.empty(), HaRestartPriority.NONE, 0),
                ErrorCode.INVALID_VALUE);
        assertRuleRefusal(
                pool,
                new Operation.VdiCreate(
                        io.poolkeeper.api.model.VdiId.of("40000000-0000-4000-8000-000000000009"),
                        CodecSamples.SR1,
                        "neg",
                        -5),
                ErrorCode.INVALID_VALUE);
        assertRuleRefusal(pool, new Operation.PoolHaEnable(-1), ErrorCode.INVALID_VALUE);
        assertRuleRefusal(
                pool,
                new Operation.VbdCreate(
                        io.poolkeeper.api.model.VbdId.of("41000000-0000-4000-8000-000000000009"),
                        CodecSamples.VM3,
                        CodecSamples.VDI1,
                        " "),
                ErrorCode.INVALID_VALUE);
        assertRuleRefusal(
                PoolState.empty(),
                new Operation.PoolCreate(POOL, "p", CodecSamples.spec(H1, 1, false), -3),
                ErrorCode.INVALID_VALUE);
        assertRuleRefusal(
                PoolState.empty(),
                new Operation.PoolCreate(POOL, "p", new Operation.HostSpec(H1, "h", "", -1, false), 0),
                ErrorCode.INVALID_VALUE);
    }

    @Test
    void nullInputsAreMalformedNotExceptions() {
        assertInvalid(ErrorCode.MALFORMED_COMMAND, CommandCodec.fromProto(null), "no command");
        assertInvalid(ErrorCode.MALFORMED_COMMAND, CommandCodec.decode(null), "no bytes");
    }

    // ---------------------------------------------------------------- helpers

    private static Operation.VmCreate vmCreate() {
        return new Operation.VmCreate(VM1, "web", 1024, 1, java.util.Optional.of(H2), HaRestartPriority.RESTART, 3);
    }

    private static Operation.SrCreate srCreate() {
        java.util.TreeMap<io.poolkeeper.api.model.HostId, io.poolkeeper.api.model.PbdId> pbds =
                new java.util.TreeMap<>();
        pbds.put(H1, PBD1);
        pbds.put(H2, CodecSamples.PBD2);
        return new Operation.SrCreate(CodecSamples.SR1, "nfs", "nfs", true, CodecSamples.nfsConfig(), pbds);
    }

    private static Operation.PoolImportChunk chunkOp() {
        return new Operation.PoolImportChunk(
                "import/2", 0, CodecSamples.populated().state());
    }

    private static Operation.PoolImport importOp() {
        return new Operation.PoolImport(CodecSamples.populated().state(), 2, H1);
    }

    private static List<String> windowInOrder(PoolState state) {
        return state.requests().byIndex().values().stream()
                .map(entry -> entry.requestId() + "=" + entry.result())
                .toList();
    }

    private static io.poolkeeper.api.model.VmId vmId(int n) {
        return io.poolkeeper.api.model.VmId.of(String.format("20000000-0000-4000-8000-%012d", n));
    }

    private static Arguments spoil(
            String field, Operation valid, UnaryOperator<io.poolkeeper.proto.PoolCommand.Builder> spoiler) {
        var envelope = new PoolCommand("req-spoiled", 5, 1, valid);
        var proto = spoiler.apply(CommandCodec.toProto(envelope).toBuilder()).build();
        return Arguments.of(field, proto);
    }

    static void assertInvalid(ErrorCode code, PoolCommand command, String detailPart) {
        var invalid = assertInstanceOf(Operation.Invalid.class, command.operation(), command::toString);
        assertEquals(code, invalid.code(), invalid::detail);
        assertTrue(invalid.detail().contains(detailPart), () -> "'" + invalid.detail() + "' should name " + detailPart);
    }

    /** The command is refused with {@code code}, and nothing else, on a fresh member and in a populated pool. */
    static void assertRefusedEverywhere(PoolCommand command, ErrorCode code) {
        for (PoolState state :
                List.of(PoolState.empty(), CodecSamples.populated().state())) {
            Outcome outcome = Transition.apply(state, command, new ApplyContext(1_000));
            var rejected = assertInstanceOf(Outcome.Rejected.class, outcome, command::toString);
            assertEquals(code, rejected.rejection().code(), rejected.rejection()::message);
        }
    }

    private static void assertRuleRefusal(PoolState state, Operation operation, ErrorCode code) {
        PoolCommand decoded = CommandCodec.decode(CommandCodec.encode(PoolCommand.of(operation)));
        assertEquals(operation, decoded.operation(), "the codec passes the value through");
        Outcome outcome = Transition.apply(state, decoded, new ApplyContext(1_000));
        var rejected = assertInstanceOf(Outcome.Rejected.class, outcome, operation::toString);
        assertEquals(code, rejected.rejection().code(), rejected.rejection()::message);
    }
}
