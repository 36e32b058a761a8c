package io.poolkeeper.rpc;

import io.grpc.stub.StreamObserver;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.InputLimits;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.port.MemberService;
import io.poolkeeper.proto.EmergencyReply;
import io.poolkeeper.proto.EmergencyResetMasterRequest;
import io.poolkeeper.proto.RecoverSlavesReply;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * PoolService's emergency calls on one member (xapi's {@code pool-emergency-transition-to-master}, {@code
 * pool-emergency-reset-master}, {@code pool-recover-slaves}): refusals travel as replies carrying the member's status,
 * so an operator sees where the member stands either way; other failures as gRPC statuses ({@link Errors}).
 *
 * <p>The transition and the reset block for seconds (group changes, elections, nested member calls), so they run on
 * threads of their own, never on gRPC's.
 */
final class EmergencyCalls {
    private final MemberService member;
    private final BadInput badInput;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "emergency-call");
        t.setDaemon(true);
        return t;
    });

    EmergencyCalls(MemberService member, BadInput badInput) {
        this.member = member;
        this.badInput = badInput;
    }

    void transitionToMaster(StreamObserver<EmergencyReply> out) {
        emergency(out, member::emergencyTransitionToMaster);
    }

    void resetMaster(EmergencyResetMasterRequest request, StreamObserver<EmergencyReply> out) {
        // The member would call that address and wait for it: only a real address is worth it.
        Optional<Rejection> bad = InputLimits.address("master-address", request.getMasterAddress());
        if (bad.isPresent()) {
            badInput.refused(request.getSerializedSize(), bad.get());
            PoolServiceImpl.reply(
                    out,
                    EmergencyReply.newBuilder()
                            .setStatus(PoolServiceImpl.status(member))
                            .setRejected(ResultCodec.encode(bad.get()).getRejected())
                            .build());
            return;
        }
        emergency(out, () -> member.emergencyResetMaster(request.getMasterAddress()));
    }

    void recoverSlaves(StreamObserver<RecoverSlavesReply> out) {
        try {
            List<HostId> recovered = member.recoverSlaves();
            RecoverSlavesReply.Builder reply = RecoverSlavesReply.newBuilder();
            recovered.forEach(h -> reply.addRecoveredHostUuids(h.toString()));
            member.applied().state().hosts().keySet().stream()
                    .filter(h -> !h.equals(member.hostId()) && !recovered.contains(h))
                    .forEach(h -> reply.addSkippedHostUuids(h.toString()));
            PoolServiceImpl.reply(out, reply.build());
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
        }
    }

    private void emergency(StreamObserver<EmergencyReply> out, Runnable call) {
        CompletableFuture.runAsync(call, threads).whenComplete((ok, error) -> {
            if (error == null) {
                PoolServiceImpl.reply(
                        out,
                        EmergencyReply.newBuilder()
                                .setStatus(PoolServiceImpl.status(member))
                                .build());
            } else if (Errors.unwrap(error) instanceof PoolException p) {
                PoolServiceImpl.reply(
                        out,
                        EmergencyReply.newBuilder()
                                .setStatus(PoolServiceImpl.status(member))
                                .setRejected(ResultCodec.encode(
                                                new Rejection(p.code(), p.params(), String.valueOf(p.getMessage())))
                                        .getRejected())
                                .build());
            } else {
                out.onError(Errors.toStatus(error));
            }
        });
    }
}
