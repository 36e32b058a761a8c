package io.poolkeeper.security;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.core.InputLimits;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.proto.DesignateNewMasterRequest;
import io.poolkeeper.proto.EmergencyResetMasterRequest;
import io.poolkeeper.proto.EmergencyTransitionRequest;
import io.poolkeeper.proto.HaHeartbeatRequest;
import io.poolkeeper.proto.HaSilence;
import io.poolkeeper.proto.HeartbeatRequest;
import io.poolkeeper.proto.HostSpec;
import io.poolkeeper.proto.JoinRequest;
import io.poolkeeper.proto.LinkFaultRequest;
import io.poolkeeper.proto.MemberStatusRequest;
import io.poolkeeper.proto.PbdPlacement;
import io.poolkeeper.proto.PoolJoin;
import io.poolkeeper.proto.PoolParamSet;
import io.poolkeeper.proto.ReadConsistency;
import io.poolkeeper.proto.ReadRequest;
import io.poolkeeper.proto.RecoverSlavesRequest;
import io.poolkeeper.proto.SrCreate;
import io.poolkeeper.proto.SubmitBatchRequest;
import io.poolkeeper.proto.SubmitRequest;
import io.poolkeeper.proto.VbdCreate;
import io.poolkeeper.proto.VdiCreate;
import io.poolkeeper.proto.VmCreate;
import io.poolkeeper.proto.VmParamSet;
import io.poolkeeper.proto.VmShutdown;
import io.poolkeeper.proto.VmStart;
import io.poolkeeper.proto.WatchRequest;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Valid PoolService requests for a pool, per method, for {@link Mutations} to spoil; and the test's rule for which
 * well-formed requests it does not send ({@link #privileged}).
 */
final class Templates {
    private static final String OTHER_UUID = "0000abcd-0000-4000-8000-000000000000";

    private final PoolState state;
    private final String pool;
    private final long generation;
    private final Map<String, List<byte[]>> byMethod;

    Templates(PoolState state, VmId vm, List<String> addresses) {
        this.state = state;
        this.pool = state.requirePool().uuid().toString();
        this.generation = state.requirePool().generation();
        List<HostId> hosts = List.copyOf(state.hosts().keySet());
        String host0 = hosts.get(0).toString();
        String host1 = hosts.get(1).toString();
        String v = vm.toString();
        Map<String, List<byte[]>> single = Map.ofEntries(
                Map.entry(
                        "Submit",
                        bytes(
                                submit(
                                        "",
                                        io.poolkeeper.proto.PoolCommand.newBuilder()
                                                .setVmCreate(VmCreate.newBuilder()
                                                        .setVmUuid(v)
                                                        .setNameLabel("web")
                                                        .setMemory(1L << 30)
                                                        .setVcpus(2))),
                                submit(
                                        "fuzz-param",
                                        io.poolkeeper.proto.PoolCommand.newBuilder()
                                                .setVmParamSet(VmParamSet.newBuilder()
                                                        .setVmUuid(v)
                                                        .setKey("name-label")
                                                        .setValue("renamed"))),
                                submit(
                                        "",
                                        io.poolkeeper.proto.PoolCommand.newBuilder()
                                                .setVmParamSet(VmParamSet.newBuilder()
                                                        .setVmUuid(v)
                                                        .setKey("memory")
                                                        .setValue("2147483648"))),
                                submit(
                                        "",
                                        io.poolkeeper.proto.PoolCommand.newBuilder()
                                                .setPoolParamSet(PoolParamSet.newBuilder()
                                                        .setKey("name-label")
                                                        .setValue("fuzzed"))),
                                submit(
                                        "",
                                        io.poolkeeper.proto.PoolCommand.newBuilder()
                                                .setSrCreate(SrCreate.newBuilder()
                                                        .setSrUuid(OTHER_UUID)
                                                        .setNameLabel("nfs")
                                                        .setType("nfs")
                                                        .setShared(true)
                                                        .putDeviceConfig("server", "10.0.0.1")
                                                        .putDeviceConfig("path", "/export")
                                                        .addPbds(
                                                                PbdPlacement.newBuilder()
                                                                        .setHostUuid(host0)
                                                                        .setPbdUuid(OTHER_UUID)))),
                                submit(
                                        "",
                                        io.poolkeeper.proto.PoolCommand.newBuilder()
                                                .setVdiCreate(VdiCreate.newBuilder()
                                                        .setVdiUuid(OTHER_UUID)
                                                        .setSrUuid(OTHER_UUID)
                                                        .setNameLabel("disk")
                                                        .setVirtualSize(1L << 30))),
                                submit(
                                        "",
                                        io.poolkeeper.proto.PoolCommand.newBuilder()
                                                .setVbdCreate(VbdCreate.newBuilder()
                                                        .setVbdUuid(OTHER_UUID)
                                                        .setVmUuid(v)
                                                        .setVdiUuid(OTHER_UUID)
                                                        .setDevice("xvda"))),
                                submit(
                                        "",
                                        io.poolkeeper.proto.PoolCommand.newBuilder()
                                                .setVmStart(VmStart.newBuilder().setVmUuid(v))),
                                submit(
                                        "",
                                        io.poolkeeper.proto.PoolCommand.newBuilder()
                                                .setVmShutdown(VmShutdown.newBuilder()
                                                        .setVmUuid(v)
                                                        .setForce(true))))),
                Map.entry(
                        "Join",
                        bytes(JoinRequest.newBuilder()
                                .setHost(HostSpec.newBuilder()
                                        .setUuid(OTHER_UUID)
                                        .setNameLabel("intruder")
                                        .setAddress("127.0.0.1:1")
                                        .setMemoryTotal(1L << 34))
                                .setRaftAddress("127.0.0.1:2")
                                .setPoolUuid(pool)
                                .build())),
                Map.entry(
                        "Heartbeat",
                        bytes(HeartbeatRequest.newBuilder()
                                .setHostUuid(host1)
                                .setGeneration(generation)
                                .setPoolUuid(pool)
                                .build())),
                Map.entry(
                        "HaHeartbeat",
                        bytes(HaHeartbeatRequest.newBuilder()
                                .setHostUuid(host1)
                                .setGeneration(generation)
                                .setPoolUuid(pool)
                                .addSilences(HaSilence.newBuilder()
                                        .setHostUuid(host0)
                                        .setSilentMs(100))
                                .setSentNanos(123_456_789L)
                                .setLogTerm(1)
                                .setLogIndex(10)
                                .build())),
                Map.entry(
                        "Read",
                        bytes(
                                ReadRequest.newBuilder()
                                        .setConsistency(ReadConsistency.LOCAL)
                                        .setPoolUuid(pool)
                                        .build(),
                                ReadRequest.newBuilder()
                                        .setConsistency(ReadConsistency.LINEARIZABLE)
                                        .build())),
                Map.entry(
                        "Watch",
                        bytes(WatchRequest.newBuilder()
                                .setFromToken(1L << 40)
                                .setPoolUuid(pool)
                                .build())),
                Map.entry(
                        "GetMemberStatus",
                        bytes(MemberStatusRequest.newBuilder().setPoolUuid(pool).build())),
                Map.entry(
                        "DesignateNewMaster",
                        bytes(DesignateNewMasterRequest.newBuilder()
                                .setHostUuid(OTHER_UUID)
                                .setPoolUuid(pool)
                                .build())),
                Map.entry(
                        "EmergencyTransitionToMaster",
                        bytes(EmergencyTransitionRequest.newBuilder()
                                .setPoolUuid(pool)
                                .build())),
                Map.entry(
                        "EmergencyResetMaster",
                        bytes(EmergencyResetMasterRequest.newBuilder()
                                .setMasterAddress(addresses.get(0))
                                .setGeneration(generation)
                                .setPoolUuid(pool)
                                .build())),
                Map.entry(
                        "RecoverSlaves",
                        bytes(RecoverSlavesRequest.newBuilder()
                                .setPoolUuid(pool)
                                .build())),
                Map.entry(
                        "InjectLinkFault",
                        bytes(LinkFaultRequest.newBuilder()
                                .setPoolUuid(pool)
                                .setCut(true)
                                .addFromHosts(host1)
                                .build())));
        // SubmitBatch: the Submit templates' commands, one batch of all and one of each.
        List<SubmitRequest> submits =
                single.get("Submit").stream().map(Templates::parseSubmit).toList();
        SubmitBatchRequest.Builder all = SubmitBatchRequest.newBuilder().setPoolUuid(pool);
        submits.forEach(r -> all.addCommands(r.getCommand()));
        List<byte[]> batches = new java.util.ArrayList<>(List.of(all.build().toByteArray()));
        submits.forEach(r -> batches.add(SubmitBatchRequest.newBuilder()
                .setPoolUuid(pool)
                .addCommands(r.getCommand())
                .build()
                .toByteArray()));
        Map<String, List<byte[]>> methods = new java.util.HashMap<>(single);
        methods.put("SubmitBatch", List.copyOf(batches));
        this.byMethod = Map.copyOf(methods);
    }

    /** A valid request of {@code method}, encoded. */
    byte[] valid(String method, Random random) {
        List<byte[]> choices = byMethod.get(method);
        return choices.get(random.nextInt(choices.size()));
    }

    /**
     * Whether {@code body} is a well-formed {@code method} request that by protocol changes the pool's membership,
     * generation or masters: adding a host (a join that decodes), a heartbeat of a newer generation or a goodbye
     * (a member believes them), an emergency call, a recover-slaves, a designation of a pool host, a command that
     * ejects, forgets or declares a host dead or turns HA on. Anyone who reaches a member may send those today;
     * telling who may is authorization's job (issue 12's mutual TLS and join tokens), not the input checks', so the
     * test does not send them. Everything malformed or over a limit is sent.
     */
    boolean privileged(String method, byte[] body) {
        try {
            return switch (method) {
                case "Join" -> {
                    JoinRequest r = JoinRequest.parseFrom(body);
                    PoolCommand c = CommandCodec.fromProto(io.poolkeeper.proto.PoolCommand.newBuilder()
                            .setPoolJoin(PoolJoin.newBuilder().setHost(r.getHost()))
                            .build());
                    yield c.operation() instanceof Operation.PoolJoin join
                            && InputLimits.check("", join.host()).isEmpty()
                            && InputLimits.address("", r.getRaftAddress()).isEmpty();
                }
                case "Heartbeat" -> {
                    HeartbeatRequest r = HeartbeatRequest.parseFrom(body);
                    yield r.getGeneration() > generation || r.getShuttingDown();
                }
                case "EmergencyResetMaster" -> InputLimits.address(
                                "", EmergencyResetMasterRequest.parseFrom(body).getMasterAddress())
                        .isEmpty();
                case "EmergencyTransitionToMaster" -> parses(EmergencyTransitionRequest.parser(), body);
                case "RecoverSlaves" -> parses(RecoverSlavesRequest.parser(), body);
                case "DesignateNewMaster" -> designatesPoolHost(body);
                case "Submit" -> privileged(SubmitRequest.parseFrom(body).getCommand());
                case "SubmitBatch" -> SubmitBatchRequest.parseFrom(body).getCommandsList().stream()
                        .anyMatch(Templates::privileged);
                default -> false;
            };
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    /** Whether {@code command} ejects, forgets or declares a host dead or turns HA on (see {@link #privileged}). */
    private static boolean privileged(io.poolkeeper.proto.PoolCommand command) {
        Operation op = CommandCodec.fromProto(command).operation();
        return op instanceof Operation.PoolEject
                || op instanceof Operation.HostForget
                || op instanceof Operation.HostDeclareDead
                || op instanceof Operation.PoolHaEnable;
    }

    private static SubmitRequest parseSubmit(byte[] body) {
        try {
            return SubmitRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private boolean designatesPoolHost(byte[] body) throws InvalidProtocolBufferException {
        try {
            return state.hosts()
                    .containsKey(
                            HostId.of(DesignateNewMasterRequest.parseFrom(body).getHostUuid()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean parses(com.google.protobuf.Parser<?> parser, byte[] body) {
        try {
            parser.parseFrom(body);
            return true;
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    private SubmitRequest submit(String requestId, io.poolkeeper.proto.PoolCommand.Builder command) {
        return SubmitRequest.newBuilder()
                .setCommand(command.setRequestId(requestId))
                .setPoolUuid(pool)
                .build();
    }

    private static List<byte[]> bytes(MessageLite... messages) {
        return java.util.Arrays.stream(messages).map(MessageLite::toByteArray).toList();
    }
}
