package io.poolkeeper.rpc;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.codec.SnapshotCodec;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.pool.CommandPool;
import io.poolkeeper.proto.DesignateNewMasterRequest;
import io.poolkeeper.proto.MemberStatus;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.ReadRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * {@link PoolClient} over gRPC. Every call goes to the member that answered last; when a member is unreachable or
 * has no master it moves to the next one, until the request timeout runs out ({@link MemberCalls}). Writes carry a
 * request id, so a write retried on another member after a lost answer is applied once; concurrent writes travel
 * together in SubmitBatch calls ({@link RemoteSubmits}). Events are followed across members ({@link RemoteWatch}).
 *
 * <p>Pool identity ({@link PoolIdentity}): the client is pinned to the pool given to the builder, else to the pool of
 * the first member that answers, and names it in every request; a call fails with POOL_MISMATCH when no address
 * serves the pool.
 */
public final class GrpcPoolClient implements PoolClient {
    private final MemberCalls calls;
    private final RemoteSubmits submits;
    private final TransportSecurity security;
    private final RemotePool pool = new RemotePool();

    private GrpcPoolClient(
            List<String> addresses, Duration requestTimeout, Optional<PoolId> pool, TransportSecurity security) {
        this.calls = new MemberCalls(addresses, requestTimeout, pool, security);
        this.submits = new RemoteSubmits(calls);
        this.security = security;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link GrpcPoolClient}. */
    public static final class Builder implements PoolClient.Builder {
        private List<String> members;
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Optional<PoolId> poolUuid = Optional.empty();
        private TransportSecurity security;

        @Override
        public Builder members(List<String> addresses) {
            this.members = List.copyOf(addresses);
            return this;
        }

        @Override
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        @Override
        public Builder poolUuid(PoolId pool) {
            this.poolUuid = Optional.of(Objects.requireNonNull(pool, "pool"));
            return this;
        }

        @Override
        public Builder tls(Path directory) {
            return transportSecurity(TransportSecurity.tls(Objects.requireNonNull(directory, "directory")));
        }

        @Override
        public Builder insecure() {
            return transportSecurity(TransportSecurity.insecure());
        }

        /** TLS with credentials already loaded (shared between clients and reloaded when their files change). */
        public Builder transportSecurity(TransportSecurity security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        @Override
        public GrpcPoolClient build() {
            List<String> missing = new ArrayList<>();
            if (members == null || members.isEmpty()) {
                missing.add("members (at least one member address, host:port)");
            }
            if (security == null) {
                missing.add("tls(directory) or insecure() (the client's credentials: a directory of poolkeeper"
                        + " pool-init-tls or tls-issue; or plain text for a pool without TLS)");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("the client is missing " + missing.size() + " required setting(s): "
                        + String.join("; ", missing));
            }
            return new GrpcPoolClient(members, requestTimeout, poolUuid, security);
        }
    }

    @Override
    public CommandPool pool() {
        return pool;
    }

    @Override
    public Optional<PoolId> poolUuid() {
        String pool = calls.pinned();
        return pool.isEmpty() ? Optional.empty() : Optional.of(PoolId.of(pool));
    }

    /** A connection to one member for a per-member command, pinned to this client's pool. */
    private RemoteMember remote(String address) {
        return RemoteMember.connect(address, security, calls.pinned(), calls.requestTimeout());
    }

    @Override
    public MemberRole roleOf(String address) {
        MemberStatus status = statusOf(address);
        return RoleCodec.fromProto(status.getRole())
                .orElseThrow(() -> PoolException.of(
                        ErrorCode.INTERNAL_ERROR,
                        List.of(address, String.valueOf(status.getRoleValue())),
                        "the member at " + address + " reports role " + status.getRoleValue()
                                + ", which this version does not know"));
    }

    @Override
    public boolean isInEmergencyMode(String address) {
        return statusOf(address).getInEmergencyMode();
    }

    /** The status a member reports about itself. */
    public MemberStatus statusOf(String address) {
        try (RemoteMember member = remote(address)) {
            MemberStatus status = member.status();
            calls.accept(address, member.pool());
            return status;
        }
    }

    @Override
    public void emergencyTransitionToMaster(String address) {
        try (RemoteMember member = remote(address)) {
            member.emergencyTransitionToMaster();
            calls.accept(address, member.pool());
        }
    }

    /**
     * The member is sent the master's pool, checked against this client's: a member of another pool refuses to be
     * reset into it (one in no pool joins it).
     */
    @Override
    public void emergencyResetMaster(String address, String masterAddress) {
        long generation;
        String masterPool;
        try (RemoteMember master = remote(masterAddress)) {
            generation = master.status().getGeneration();
            masterPool = master.pool();
        }
        if (masterPool.isEmpty()) {
            throw PoolException.of(
                    ErrorCode.NO_POOL, List.of(masterAddress), "the member at " + masterAddress + " is in no pool");
        }
        calls.accept(masterAddress, masterPool);
        try (RemoteMember member = RemoteMember.connect(address, security, masterPool, calls.requestTimeout())) {
            member.emergencyResetMaster(masterAddress, generation);
        }
    }

    @Override
    public List<HostId> recoverSlaves(String address) {
        try (RemoteMember member = remote(address)) {
            List<HostId> recovered = member.recoverSlaves().getRecoveredHostUuidsList().stream()
                    .map(HostId::of)
                    .toList();
            calls.accept(address, member.pool());
            return recovered;
        }
    }

    @Override
    public void close() {
        calls.close();
    }

    /** The most commands this client sent in one SubmitBatch (0: none yet); for tests. */
    int largestBatch() {
        return submits.largestBatch();
    }

    private final class RemotePool extends CommandPool {
        @Override
        public CompletableFuture<ResultCodec.Reply> submit(PoolCommand command) {
            return submits.submit(command);
        }

        @Override
        public CompletableFuture<PoolView> read(ReadConsistency consistency) {
            ReadRequest request = ReadRequest.newBuilder()
                    .setConsistency(io.poolkeeper.proto.ReadConsistency.valueOf(consistency.name()))
                    .build();
            return calls.call(request, PoolServiceGrpc.PoolServiceStub::read)
                    .thenApply(reply -> SnapshotCodec.decode(reply.getState())
                            .toView(reply.getState().getLastEventSequence()));
        }

        @Override
        public CompletableFuture<Void> designateNewMaster(HostId host) {
            DesignateNewMasterRequest request = DesignateNewMasterRequest.newBuilder()
                    .setHostUuid(host.toString())
                    .build();
            return calls.call(request, PoolServiceGrpc.PoolServiceStub::designateNewMaster)
                    .thenApply(reply -> {
                        CommandPool.resultOrThrow(ResultCodec.decode(reply.getResult()));
                        return null;
                    });
        }

        @Override
        public Subscription watch(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
            return new RemoteWatch(calls, fromToken, listener, onError);
        }
    }
}
