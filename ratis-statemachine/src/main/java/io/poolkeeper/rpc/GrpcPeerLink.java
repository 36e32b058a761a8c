package io.poolkeeper.rpc;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Result;
import io.poolkeeper.port.HaBeat;
import io.poolkeeper.port.Heartbeat;
import io.poolkeeper.port.LogPosition;
import io.poolkeeper.port.PeerLink;
import io.poolkeeper.port.PeerStatus;
import io.poolkeeper.proto.HaHeartbeatReply;
import io.poolkeeper.proto.HaHeartbeatRequest;
import io.poolkeeper.proto.HaSilence;
import io.poolkeeper.proto.HeartbeatReply;
import io.poolkeeper.proto.HeartbeatRequest;
import io.poolkeeper.proto.JoinReply;
import io.poolkeeper.proto.MemberStatus;
import io.poolkeeper.proto.MemberStatusRequest;
import io.poolkeeper.proto.PoolServiceGrpc;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's {@link PeerLink} over gRPC: one channel per address, kept open for the periodic calls (heartbeats,
 * generation probes), and one-off connections for the long blocking ones (join, emergency reset). Every call names
 * this member in the {@link FaultInterceptors#FROM} header, so the receiver knows who is calling. Pool identity
 * ({@link PoolIdentity}): a heartbeat names the sender's pool and fails on an answer from another pool; status
 * answers name their pool for the caller to compare; a blocking connection pins the pool of its first answer.
 *
 * <p>Thread-safe.
 */
public final class GrpcPeerLink implements PeerLink {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcPeerLink.class);

    private final String self;
    private final TransportSecurity security;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> gone = new ConcurrentHashMap<>();
    /** What a closed link watches with: nothing. */
    private final CompletableFuture<Void> never = new CompletableFuture<>();

    private volatile boolean closed;

    public GrpcPeerLink(String self, TransportSecurity security) {
        this.self = self;
        this.security = security;
    }

    private PoolServiceGrpc.PoolServiceStub stub(String address, Duration deadline) {
        return PoolServiceGrpc.newStub(current(address)).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> security.channel(a)
                .intercept(FaultInterceptors.caller(self))
                .build());
    }

    /**
     * The channel to {@code address}, told to reconnect now if it is waiting out gRPC's reconnect backoff. A channel
     * refused while its peer was down retries on a growing backoff (1 s growing to 2 minutes) and fails every call at
     * once in between, long after the peer is back: the heartbeats to a master that came back would fail, and a
     * watch of its process would never see its connection open. The reset takes effect a moment later, so the call
     * made with it may still fail; the next one finds the channel connected.
     */
    private ManagedChannel current(String address) {
        ManagedChannel channel = channel(address);
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.resetConnectBackoff();
        }
        return channel;
    }

    @Override
    public CompletableFuture<Void> whenGone(String address) {
        if (closed) {
            return never;
        }
        return gone.computeIfAbsent(address, a -> {
            CompletableFuture<Void> watch = new CompletableFuture<>();
            follow(a, current(a), watch, false);
            watch.whenComplete((v, e) -> gone.remove(a, watch));
            return watch;
        });
    }

    /**
     * Follows the channel's connectivity: a connection seen open, then lost, is asked for again at once, and its
     * refusal (TRANSIENT_FAILURE) completes {@code watch}. A silent host leaves the channel READY (or CONNECTING),
     * so only a refusing one is taken for gone.
     */
    private void follow(String address, ManagedChannel channel, CompletableFuture<Void> watch, boolean wasReady) {
        if (closed || watch.isDone()) {
            return;
        }
        ConnectivityState state = channel.getState(false);
        LOG.debug("connection to {}: {}", address, state);
        if (state == ConnectivityState.TRANSIENT_FAILURE && wasReady) {
            watch.complete(null);
            return;
        }
        if (state == ConnectivityState.SHUTDOWN) {
            return;
        }
        boolean ready = wasReady || state == ConnectivityState.READY;
        if (state == ConnectivityState.IDLE) {
            channel.getState(true);
        }
        channel.notifyWhenStateChanged(state, () -> follow(address, channel, watch, ready));
    }

    @Override
    public CompletableFuture<Heartbeat.Answer> heartbeat(String address, Heartbeat beat, Duration deadline) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        CompletableFuture<HeartbeatReply> reply = new CompletableFuture<>();
        stub(address, deadline)
                .heartbeat(
                        HeartbeatRequest.newBuilder()
                                .setHostUuid(beat.hostUuid())
                                .setGeneration(beat.generation())
                                .setShuttingDown(beat.shuttingDown())
                                .setPoolUuid(beat.poolUuid())
                                .build(),
                        into(reply));
        // An answer from another pool's member (the address was re-provisioned) means nothing to this member: its
        // newer generation or its "not known" would make this one stale or leave its own pool.
        return reply.thenApply(r -> {
            PoolIdentity.check(address, beat.poolUuid(), PoolIdentity.of(r));
            return new Heartbeat.Answer(r.getGeneration(), r.getKnown());
        });
    }

    @Override
    public CompletableFuture<Void> haHeartbeat(String address, HaBeat beat, Duration deadline) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        HaHeartbeatRequest.Builder request = HaHeartbeatRequest.newBuilder()
                .setHostUuid(beat.hostUuid())
                .setPoolUuid(beat.poolUuid())
                .setGeneration(beat.generation())
                .setSentNanos(beat.sentNanos())
                .setLogTerm(beat.logTerm())
                .setLogIndex(beat.logIndex());
        beat.silentMillis()
                .forEach((host, millis) -> request.addSilences(
                        HaSilence.newBuilder().setHostUuid(host).setSilentMs(millis)));
        CompletableFuture<HaHeartbeatReply> reply = new CompletableFuture<>();
        stub(address, deadline).haHeartbeat(request.build(), into(reply));
        return reply.thenAccept(r -> PoolIdentity.check(address, beat.poolUuid(), PoolIdentity.of(r)));
    }

    @Override
    public CompletableFuture<PeerStatus> status(String address, Duration deadline) {
        return status(address, deadline, false);
    }

    @Override
    public CompletableFuture<PeerStatus> statusNow(String address, Duration deadline) {
        return status(address, deadline, true);
    }

    private CompletableFuture<PeerStatus> status(String address, Duration deadline, boolean now) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        PoolServiceGrpc.PoolServiceStub stub = stub(address, deadline);
        if (now) {
            channel(address).resetConnectBackoff();
            stub = stub.withWaitForReady();
        }
        CompletableFuture<MemberStatus> reply = new CompletableFuture<>();
        stub.getMemberStatus(MemberStatusRequest.getDefaultInstance(), into(reply));
        // Failures name the address and the cause ("cannot reach a:7001: connection refused"), not gRPC's text.
        return reply.exceptionally(e -> {
                    throw Errors.fromStatus(address, deadline, e);
                })
                .thenApply(GrpcPeerLink::status);
    }

    static PeerStatus status(MemberStatus s) {
        // A role this version does not know counts as no part in the pool: nothing is asked of such a peer.
        MemberRole role = RoleCodec.fromProto(s.getRole()).orElse(MemberRole.STANDALONE);
        return new PeerStatus(
                s.getHostUuid(),
                role,
                s.getPoolUuid(),
                s.getGeneration(),
                s.getInEmergencyMode(),
                s.getMasterAddress().isEmpty() ? Optional.empty() : Optional.of(s.getMasterAddress()),
                new LogPosition(s.getLogTerm(), s.getLogIndex()),
                s.getFenceComplete());
    }

    @Override
    public HostRole join(
            String address,
            Operation.HostSpec host,
            String raftAddress,
            long generation,
            String joinToken,
            Duration timeout) {
        try (RemoteMember remote = connect(address, timeout)) {
            JoinReply reply = remote.join(host, raftAddress, generation, joinToken);
            return ((Result.Joined)
                            ResultCodec.decode(reply.getResult()).result().orElseThrow())
                    .role();
        }
    }

    @Override
    public void emergencyResetMaster(String address, String masterAddress, long generation, Duration timeout) {
        try (RemoteMember remote = connect(address, timeout)) {
            remote.emergencyResetMaster(masterAddress, generation);
        }
    }

    private RemoteMember connect(String address, Duration timeout) {
        return RemoteMember.connect(address, security, timeout, FaultInterceptors.caller(self));
    }

    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }

    private static <T> StreamObserver<T> into(CompletableFuture<T> future) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                future.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                future.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                future.completeExceptionally(new IllegalStateException("no reply"));
            }
        };
    }
}
