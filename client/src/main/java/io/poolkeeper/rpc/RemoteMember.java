package io.poolkeeper.rpc;

import com.google.protobuf.Message;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
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

/**
 * A blocking connection to one member's PoolService, for member-to-member calls (status, join) and the per-member
 * commands of a client.
 *
 * <p>Pool identity ({@link PoolIdentity}): every request names the pool this connection is pinned to, given at
 * connect or else learned from the member's first answer; an answer naming another pool fails with {@code
 * POOL_MISMATCH}. So a join goes to the pool whose status the joiner read, not to whatever serves the address since.
 * Thread-safe.
 */
public final class RemoteMember implements AutoCloseable {
    /** How many request timeouts a join or an emergency call may take: several Raft round trips and elections. */
    private static final int LONG_CALLS = 6;

    private final String address;
    private final ManagedChannel channel;
    private final Duration timeout;
    private final ClientInterceptor[] interceptors;
    private final TransportSecurity security;
    private volatile String pool;

    private RemoteMember(
            String address,
            ManagedChannel channel,
            Duration timeout,
            String pool,
            ClientInterceptor[] interceptors,
            TransportSecurity security) {
        this.address = address;
        this.channel = channel;
        this.timeout = timeout;
        this.pool = pool;
        this.interceptors = interceptors;
        this.security = security;
    }

    /** A connection that takes the pool of the member's first answer. */
    public static RemoteMember connect(
            String address, TransportSecurity security, Duration timeout, ClientInterceptor... interceptors) {
        return connect(address, security, "", timeout, interceptors);
    }

    /** A connection pinned to {@code pool} (empty: the pool of the member's first answer). */
    public static RemoteMember connect(
            String address,
            TransportSecurity security,
            String pool,
            Duration timeout,
            ClientInterceptor... interceptors) {
        return new RemoteMember(
                address,
                security.channel(address).intercept(interceptors).build(),
                timeout,
                pool,
                interceptors,
                security);
    }

    /** The pool this connection is pinned to; empty until a member of a pool answered. */
    public String pool() {
        return pool;
    }

    /** {@code reply} if it names the pinned pool (pinning it if none was); POOL_MISMATCH otherwise. */
    private <T extends Message> T checked(T reply) {
        pool = PoolIdentity.check(address, pool, PoolIdentity.of(reply));
        return reply;
    }

    /**
     * A call's failure: a member's pool refusal naming its address, else the pool error its status carries, or why
     * the member could not be reached or did not answer within {@code deadline}.
     */
    private PoolException failure(RuntimeException e, Duration deadline) {
        return PoolIdentity.refusal(address, pool, e).orElseGet(() -> Errors.fromStatus(address, deadline, e));
    }

    private PoolException failure(RuntimeException e) {
        return failure(e, timeout);
    }

    private PoolException longFailure(RuntimeException e) {
        return failure(e, timeout.multipliedBy(LONG_CALLS));
    }

    private PoolServiceGrpc.PoolServiceBlockingStub stub() {
        return PoolServiceGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public MemberStatus status() {
        try {
            return checked(stub().getMemberStatus(
                            MemberStatusRequest.newBuilder().setPoolUuid(pool).build()));
        } catch (RuntimeException e) {
            throw failure(e);
        }
    }

    /** Asks the pool to add this host; throws the pool's refusal as a {@link PoolException}. */
    public JoinReply join(Operation.HostSpec host, String raftAddress, long generation, String joinToken) {
        JoinReply reply;
        try {
            reply = PoolServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toMillis() * LONG_CALLS, TimeUnit.MILLISECONDS)
                    .join(JoinRequest.newBuilder()
                            .setHost(HostSpec.newBuilder()
                                    .setUuid(host.uuid().toString())
                                    .setNameLabel(host.nameLabel())
                                    .setAddress(host.address())
                                    .setMemoryTotal(host.memoryTotal())
                                    .setRequestedRole(host.witness() ? HostRole.WITNESS : HostRole.VOTER))
                            .setRaftAddress(raftAddress)
                            .setGeneration(generation)
                            .setPoolUuid(pool)
                            .setJoinToken(joinToken)
                            .build());
        } catch (RuntimeException e) {
            throw longFailure(e);
        }
        checked(reply);
        ResultCodec.Reply result = ResultCodec.decode(reply.getResult());
        if (result.rejection().isPresent()) {
            var r = result.rejection().get();
            throw PoolException.of(r.code(), r.params(), r.message());
        }
        return reply;
    }

    /** {@code pool-emergency-transition-to-master} on this member; throws its refusal. */
    public MemberStatus emergencyTransitionToMaster() {
        EmergencyReply reply;
        try {
            reply = longStub()
                    .emergencyTransitionToMaster(EmergencyTransitionRequest.newBuilder()
                            .setPoolUuid(pool)
                            .build());
        } catch (RuntimeException e) {
            throw longFailure(e);
        }
        return emergencyReply(checked(reply));
    }

    /**
     * {@code pool-emergency-reset-master} on this member: it joins the master at that address. The request names the
     * master's pool, so a member of another pool refuses it rather than leave its pool for the master's: the pool this
     * connection is pinned to (the caller checked the master's), else the one the master says it serves.
     */
    public MemberStatus emergencyResetMaster(String masterAddress, long generation) {
        String masterPool = pool;
        if (masterPool.isEmpty()) {
            try (RemoteMember master = connect(masterAddress, security, timeout, interceptors)) {
                master.status();
                masterPool = master.pool();
            }
        }
        EmergencyReply reply;
        try {
            reply = longStub()
                    .emergencyResetMaster(EmergencyResetMasterRequest.newBuilder()
                            .setMasterAddress(masterAddress)
                            .setGeneration(generation)
                            .setPoolUuid(masterPool)
                            .build());
        } catch (RuntimeException e) {
            throw longFailure(e);
        }
        // A member that has just joined may not have caught up with the master's log yet: its reply names no pool.
        String served = PoolIdentity.of(reply);
        if (!served.isEmpty()) {
            pool = PoolIdentity.check(address, masterPool, served);
        }
        return emergencyReply(reply);
    }

    /** {@code pool-recover-slaves} on this member (the master). */
    public RecoverSlavesReply recoverSlaves() {
        try {
            return checked(longStub()
                    .recoverSlaves(
                            RecoverSlavesRequest.newBuilder().setPoolUuid(pool).build()));
        } catch (RuntimeException e) {
            throw longFailure(e);
        }
    }

    /** Calls that re-found or rejoin a pool take several Raft round trips and elections. */
    private PoolServiceGrpc.PoolServiceBlockingStub longStub() {
        return PoolServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeout.toMillis() * LONG_CALLS, TimeUnit.MILLISECONDS);
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
