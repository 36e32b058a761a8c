package io.poolkeeper.rpc;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.proto.EmergencyReply;
import io.poolkeeper.proto.EmergencyResetMasterRequest;
import io.poolkeeper.proto.EmergencyTransitionRequest;
import io.poolkeeper.proto.HostRole;
import io.poolkeeper.proto.HostSpec;
import io.poolkeeper.proto.JoinReply;
import io.poolkeeper.proto.JoinRequest;
import io.poolkeeper.proto.MemberStatus;
import io.poolkeeper.proto.MemberStatusRequest;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.RecoverSlavesReply;
import io.poolkeeper.proto.RecoverSlavesRequest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A blocking connection to one member's PoolService, for member-to-member calls (status, join). */
public final class RemoteMember implements AutoCloseable {
    private final ManagedChannel channel;
    private final Duration timeout;

    private RemoteMember(ManagedChannel channel, Duration timeout) {
        this.channel = channel;
        this.timeout = timeout;
    }

    public static RemoteMember connect(String address, Duration timeout, ClientInterceptor... interceptors) {
        return new RemoteMember(
                NettyChannelBuilder.forTarget(address)
                        .usePlaintext()
                        .intercept(interceptors)
                        .build(),
                timeout);
    }

    private PoolServiceGrpc.PoolServiceBlockingStub stub() {
        return PoolServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public MemberStatus status() {
        try {
            return stub().getMemberStatus(MemberStatusRequest.getDefaultInstance());
        } catch (RuntimeException e) {
            throw Errors.fromStatus(e);
        }
    }

    /** Asks the pool to add this host; throws the pool's refusal as a {@link PoolException}. */
    public JoinReply join(Operation.HostSpec host, String raftAddress, long generation) {
        JoinReply reply;
        try {
            reply = PoolServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toMillis() * 6, TimeUnit.MILLISECONDS)
                    .join(JoinRequest.newBuilder()
                            .setHost(HostSpec.newBuilder()
                                    .setUuid(host.uuid().toString())
                                    .setNameLabel(host.nameLabel())
                                    .setAddress(host.address())
                                    .setMemoryTotal(host.memoryTotal())
                                    .setRequestedRole(host.witness() ? HostRole.WITNESS : HostRole.VOTER))
                            .setRaftAddress(raftAddress)
                            .setGeneration(generation)
                            .build());
        } catch (RuntimeException e) {
            throw Errors.fromStatus(e);
        }
        ResultCodec.Reply result = ResultCodec.decode(reply.getResult());
        if (result.rejection().isPresent()) {
            var r = result.rejection().get();
            throw PoolException.of(r.code(), r.params(), r.message());
        }
        return reply;
    }

    /** {@code pool-emergency-transition-to-master} on this member; throws its refusal. */
    public MemberStatus emergencyTransitionToMaster() {
        return emergencyReply(longStub().emergencyTransitionToMaster(EmergencyTransitionRequest.getDefaultInstance()));
    }

    /** {@code pool-emergency-reset-master} on this member: it joins the master at that address. */
    public MemberStatus emergencyResetMaster(String masterAddress, long generation) {
        return emergencyReply(longStub()
                .emergencyResetMaster(EmergencyResetMasterRequest.newBuilder()
                        .setMasterAddress(masterAddress)
                        .setGeneration(generation)
                        .build()));
    }

    /** {@code pool-recover-slaves} on this member (the master). */
    public RecoverSlavesReply recoverSlaves() {
        try {
            return longStub().recoverSlaves(RecoverSlavesRequest.getDefaultInstance());
        } catch (RuntimeException e) {
            throw Errors.fromStatus(e);
        }
    }

    /** Calls that re-found or rejoin a pool take several Raft round trips and elections. */
    private PoolServiceGrpc.PoolServiceBlockingStub longStub() {
        return PoolServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeout.toMillis() * 6, TimeUnit.MILLISECONDS);
    }

    private static MemberStatus emergencyReply(EmergencyReply reply) {
        if (reply.hasRejected()) {
            Rejection r = ResultCodec.rejection(reply.getRejected());
            throw PoolException.of(r.code(), r.params(), r.message());
        }
        return reply.getStatus();
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
