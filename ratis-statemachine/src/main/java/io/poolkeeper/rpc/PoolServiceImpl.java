package io.poolkeeper.rpc;

import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.codec.EventCodec;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.codec.SnapshotCodec;
import io.poolkeeper.core.InputLimits;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.core.Result;
import io.poolkeeper.port.HaBeat;
import io.poolkeeper.port.Heartbeat;
import io.poolkeeper.port.LogPosition;
import io.poolkeeper.port.MemberService;
import io.poolkeeper.proto.CommandResult;
import io.poolkeeper.proto.DesignateNewMasterRequest;
import io.poolkeeper.proto.EmergencyReply;
import io.poolkeeper.proto.EmergencyResetMasterRequest;
import io.poolkeeper.proto.EmergencyTransitionRequest;
import io.poolkeeper.proto.HaHeartbeatReply;
import io.poolkeeper.proto.HaHeartbeatRequest;
import io.poolkeeper.proto.HaSilence;
import io.poolkeeper.proto.HeartbeatReply;
import io.poolkeeper.proto.HeartbeatRequest;
import io.poolkeeper.proto.JoinReply;
import io.poolkeeper.proto.JoinRequest;
import io.poolkeeper.proto.LinkFaultReply;
import io.poolkeeper.proto.LinkFaultRequest;
import io.poolkeeper.proto.MemberStatus;
import io.poolkeeper.proto.MemberStatusRequest;
import io.poolkeeper.proto.PoolEvent;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.ReadConsistency;
import io.poolkeeper.proto.ReadReply;
import io.poolkeeper.proto.ReadRequest;
import io.poolkeeper.proto.RecoverSlavesReply;
import io.poolkeeper.proto.RecoverSlavesRequest;
import io.poolkeeper.proto.SubmitBatchReply;
import io.poolkeeper.proto.SubmitBatchRequest;
import io.poolkeeper.proto.SubmitReply;
import io.poolkeeper.proto.SubmitRequest;
import io.poolkeeper.proto.WatchRequest;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * PoolService on one member. Writes go to the pool through this member (its Raft client reaches the master): Submit
 * and SubmitBatch in {@link SubmitCalls}, the emergency calls in {@link EmergencyCalls}, fault injection in {@link
 * LinkFaultCalls}; reads, watches, joins, heartbeats and status here. Refusals travel as results, availability
 * problems as gRPC statuses ({@link Errors}); garbage in a request comes back as a refusal with a code, never as a
 * crash.
 */
final class PoolServiceImpl extends PoolServiceGrpc.PoolServiceImplBase {
    /** Longest text taken as a host id before parsing it (a UUID has 36 characters; braces, case aside). */
    private static final int UUID_TEXT = InputLimits.SHORT_TEXT;

    private final MemberService member;
    private final LinkFaultCalls linkFaults;
    /** One log line per bad request at most, and one per peer a minute. */
    private final BadInput badInput = new BadInput();

    private final SubmitCalls submits;
    private final EmergencyCalls emergencies;

    /** @param faults the member's fault-injection switch, empty unless it was started allowing fault injection */
    PoolServiceImpl(MemberService member, Optional<InjectedLinkFaults> faults) {
        this.member = member;
        this.linkFaults = new LinkFaultCalls(member.hostId(), faults);
        this.submits = new SubmitCalls(member, badInput);
        this.emergencies = new EmergencyCalls(member, badInput);
    }

    /**
     * This service with pool identity (DESIGN §8) around every call, in one place: a request naming another pool is
     * refused with POOL_MISMATCH before any handler below runs, and every reply names this member's pool.
     */
    ServerServiceDefinition withPoolIdentity() {
        // Undecodable requests are refused outside everything else, before pool identity reads them (BadInput).
        return badInput.guard(ServerInterceptors.intercept(this, PoolIdentity.server(() -> member.applied()
                .state()
                .pool()
                .map(p -> p.uuid().toString())
                .orElse(""))));
    }

    @Override
    public void submit(SubmitRequest request, StreamObserver<SubmitReply> out) {
        submits.submit(request, out);
    }

    @Override
    public void submitBatch(SubmitBatchRequest request, StreamObserver<SubmitBatchReply> out) {
        submits.submitBatch(request, out);
    }

    @Override
    public void read(ReadRequest request, StreamObserver<ReadReply> out) {
        if (request.getConsistency() != ReadConsistency.LINEARIZABLE) {
            var applied = member.applied();
            reply(
                    out,
                    ReadReply.newBuilder()
                            .setState(SnapshotCodec.encode(applied))
                            .build());
            return;
        }
        member.readLinearizable().whenComplete((applied, error) -> {
            if (error != null) {
                out.onError(Errors.toStatus(error));
            } else {
                reply(
                        out,
                        ReadReply.newBuilder()
                                .setState(SnapshotCodec.encode(applied))
                                .build());
            }
        });
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<PoolEvent> out) {
        ServerCallStreamObserver<PoolEvent> stream = (ServerCallStreamObserver<PoolEvent>) out;
        AtomicReference<Subscription> subscription = new AtomicReference<>();
        subscription.set(member.watch(
                request.getFromToken(),
                event -> {
                    synchronized (stream) {
                        if (!stream.isCancelled()) {
                            stream.onNext(EventCodec.toProto(event));
                        }
                    }
                },
                // The stream broke between the check and the send: the client resumes elsewhere, nobody reads on.
                broken -> {
                    Subscription s = subscription.get();
                    if (s != null) {
                        s.close();
                    }
                }));
        stream.setOnCancelHandler(() -> subscription.get().close());
    }

    @Override
    public void join(JoinRequest request, StreamObserver<JoinReply> out) {
        // The spec is decoded like any command, so a garbage spec gets the codec's refusal.
        PoolCommand command = CommandCodec.fromProto(io.poolkeeper.proto.PoolCommand.newBuilder()
                .setPoolJoin(io.poolkeeper.proto.PoolJoin.newBuilder().setHost(request.getHost()))
                .build());
        Optional<Rejection> bad;
        if (command.operation() instanceof Operation.PoolJoin join) {
            // The Raft address goes to Raft as it is, outside the log: it must be an address.
            bad = InputLimits.check("pool-join host", join.host())
                    .or(() -> InputLimits.address("pool-join raft-address", request.getRaftAddress()));
        } else {
            Operation.Invalid invalid = (Operation.Invalid) command.operation();
            bad = Optional.of(Rejection.of(invalid.code(), invalid.detail()));
        }
        if (bad.isPresent()) {
            badInput.refused(request.getSerializedSize(), bad.get());
            reply(
                    out,
                    JoinReply.newBuilder()
                            .setResult(ResultCodec.encode(bad.get()))
                            .build());
            return;
        }
        Operation.PoolJoin join = (Operation.PoolJoin) command.operation();
        member.join(join.host(), request.getRaftAddress(), request.getGeneration(), request.getJoinToken())
                .whenComplete((joined, error) -> {
                    Optional<CommandResult> refused = refusal(error);
                    if (refused.isPresent()) {
                        reply(
                                out,
                                JoinReply.newBuilder().setResult(refused.get()).build());
                    } else if (error != null) {
                        out.onError(Errors.toStatus(error));
                    } else {
                        reply(
                                out,
                                JoinReply.newBuilder()
                                        .setResult(ResultCodec.encode(new Result.Joined(joined)))
                                        .setGeneration(member.generation())
                                        .build());
                    }
                });
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatReply> out) {
        Heartbeat.Answer answer = member.onHeartbeat(new Heartbeat(
                request.getHostUuid(), request.getPoolUuid(), request.getGeneration(), request.getShuttingDown()));
        HeartbeatReply.Builder reply =
                HeartbeatReply.newBuilder().setGeneration(answer.generation()).setKnown(answer.known());
        member.applied().state().pool().flatMap(p -> p.master()).ifPresent(m -> reply.setMasterUuid(m.toString()));
        reply(out, reply.build());
    }

    @Override
    public void haHeartbeat(HaHeartbeatRequest request, StreamObserver<HaHeartbeatReply> out) {
        Optional<Rejection> bad = haBeatRefusal(request);
        if (bad.isPresent()) {
            badInput.refused(request.getSerializedSize(), bad.get());
            Rejection r = bad.get();
            out.onError(Errors.toStatus(PoolException.of(r.code(), r.params(), r.message())));
            return;
        }
        SortedMap<String, Long> silences = new TreeMap<>();
        request.getSilencesList().forEach(s -> silences.put(s.getHostUuid(), s.getSilentMs()));
        member.onHaHeartbeat(new HaBeat(
                request.getHostUuid(),
                request.getPoolUuid(),
                request.getGeneration(),
                request.getSentNanos(),
                silences,
                request.getLogTerm(),
                request.getLogIndex()));
        reply(
                out,
                HaHeartbeatReply.newBuilder()
                        .setHostUuid(member.hostId().toString())
                        .setGeneration(member.generation())
                        .build());
    }

    /**
     * Why an HA beat is over a limit: more silences than hosts a pool can have, a host id longer than a UUID could be
     * written, a silence that is negative or does not fit in nanoseconds, a negative log position. Empty when fine.
     */
    private static Optional<Rejection> haBeatRefusal(HaHeartbeatRequest request) {
        Optional<Rejection> bad = InputLimits.length("ha-heartbeat host-uuid", request.getHostUuid(), UUID_TEXT)
                .or(() -> InputLimits.count("ha-heartbeat silences", request.getSilencesCount(), InputLimits.HOSTS))
                .or(() -> InputLimits.range("ha-heartbeat log-term", request.getLogTerm(), 0, Long.MAX_VALUE))
                .or(() -> InputLimits.range("ha-heartbeat log-index", request.getLogIndex(), 0, Long.MAX_VALUE));
        for (int i = 0; bad.isEmpty() && i < request.getSilencesCount(); i++) {
            HaSilence silence = request.getSilences(i);
            bad = InputLimits.length("ha-heartbeat silences host-uuid", silence.getHostUuid(), UUID_TEXT)
                    .or(() -> InputLimits.range(
                            "ha-heartbeat silences silent-ms", silence.getSilentMs(), 0, InputLimits.SILENCE_MILLIS));
        }
        return bad;
    }

    @Override
    public void emergencyTransitionToMaster(EmergencyTransitionRequest request, StreamObserver<EmergencyReply> out) {
        emergencies.transitionToMaster(out);
    }

    @Override
    public void emergencyResetMaster(EmergencyResetMasterRequest request, StreamObserver<EmergencyReply> out) {
        emergencies.resetMaster(request, out);
    }

    @Override
    public void recoverSlaves(RecoverSlavesRequest request, StreamObserver<RecoverSlavesReply> out) {
        emergencies.recoverSlaves(out);
    }

    @Override
    public void getMemberStatus(MemberStatusRequest request, StreamObserver<MemberStatus> out) {
        reply(out, status(member));
    }

    @Override
    public void designateNewMaster(DesignateNewMasterRequest request, StreamObserver<SubmitReply> out) {
        HostId target;
        try {
            target = HostId.of(request.getHostUuid());
        } catch (IllegalArgumentException e) {
            Rejection bad = Rejection.of(ErrorCode.INVALID_VALUE, "host-uuid", BadInput.quote(request.getHostUuid()));
            badInput.refused(request.getSerializedSize(), bad);
            reply(
                    out,
                    SubmitReply.newBuilder().setResult(ResultCodec.encode(bad)).build());
            return;
        }
        member.designateNewMaster(target).whenComplete((ok, error) -> {
            Optional<CommandResult> refused = refusal(error);
            if (refused.isPresent()) {
                reply(out, SubmitReply.newBuilder().setResult(refused.get()).build());
            } else if (error != null) {
                out.onError(Errors.toStatus(error));
            } else {
                reply(
                        out,
                        SubmitReply.newBuilder()
                                .setResult(ResultCodec.encode(Result.DONE))
                                .build());
            }
        });
    }

    @Override
    public void injectLinkFault(LinkFaultRequest request, StreamObserver<LinkFaultReply> out) {
        LinkFaultReply reply;
        try {
            reply = linkFaults.apply(request);
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        reply(out, reply);
    }

    /** A failure that is the pool's refusal, as a result; availability problems stay gRPC statuses. */
    private static Optional<CommandResult> refusal(Throwable error) {
        if (error != null
                && Errors.unwrap(error) instanceof PoolException p
                && p.code().kind() == ErrorCode.Kind.REJECTED) {
            return Optional.of(
                    ResultCodec.encode(new io.poolkeeper.core.Rejection(p.code(), p.params(), p.getMessage())));
        }
        return Optional.empty();
    }

    static MemberStatus status(MemberService member) {
        var applied = member.applied();
        PoolState state = applied.state();
        MemberStatus.Builder b = MemberStatus.newBuilder()
                .setHostUuid(member.hostId().toString())
                .setRole(RoleCodec.toProto(member.role()))
                .setGeneration(member.generation())
                .setInEmergencyMode(member.isInEmergencyMode())
                .setAppliedIndex(applied.sequence())
                .setRaftAddress(member.raftAddress())
                .setFenceComplete(member.fenceComplete());
        LogPosition log = member.logPosition();
        b.setLogTerm(log.term()).setLogIndex(log.index());
        state.pool().ifPresent(pool -> {
            b.setPoolUuid(pool.uuid().toString());
            pool.master().ifPresent(master -> {
                b.setMasterUuid(master.toString());
                Optional.ofNullable(state.hosts().get(master))
                        .map(Host::address)
                        .ifPresent(b::setMasterAddress);
            });
        });
        return b.build();
    }

    static <T> void reply(StreamObserver<T> out, T value) {
        out.onNext(value);
        out.onCompleted();
    }
}
