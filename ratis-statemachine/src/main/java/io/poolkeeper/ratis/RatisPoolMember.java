package io.poolkeeper.ratis;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.rpc.PoolServer;
import io.poolkeeper.rpc.RemoteMember;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.ExitUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool member on Apache Ratis: the Raft peer of this host, its copy of the pool, its PoolService endpoint, and
 * the duties that follow from being the Raft leader (the pool master) or not.
 *
 * <p>Thread-safe. Start once; a closed member cannot be restarted (build a new one on the same directory).
 */
public final class RatisPoolMember implements PoolMember, PoolStateMachine.ApplyListener {
    private static final Logger LOG = LoggerFactory.getLogger(RatisPoolMember.class);

    private final MemberConfig config;
    private final EventLog events = new EventLog();
    private final MemberPool pool;
    private final AgentDriver agentDriver;
    private final ExecutorService duties;
    private volatile PoolStateMachine stateMachine;
    private volatile RaftServer server;
    private volatile RaftClient client;
    private volatile CommandBatcher batcher;
    private volatile PoolServer service;
    private volatile RaftGroupId groupId;
    private volatile boolean leader;
    private volatile boolean started;
    private volatile boolean closed;

    RatisPoolMember(MemberConfig config) {
        this.config = config;
        this.pool = new MemberPool(this);
        this.agentDriver = new AgentDriver(config.hostId(), config.agent(), pool::submit);
        this.duties = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "duties-" + config.hostId());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        // A bind failure would otherwise call System.exit and take the embedding JVM down.
        ExitUtils.disableSystemExit();
        try {
            service = PoolServer.start(config.host(), config.servicePort(), this);
            Optional<MembershipFile> stored = MembershipFile.read(config.storage());
            if (stored.isPresent()) {
                startRaft(RaftGroup.valueOf(groupFor(stored.get())));
            } else if (config.createPool().isPresent()) {
                createPool(config.createPool().get());
            } else if (config.joinAddress().isPresent()) {
                joinPool(config.joinAddress().get());
            } else {
                throw new IllegalStateException("no pool stored in " + config.storage() + ": createPool or joinPool");
            }
            PoolStateMachine.Applied now = stateMachine.current();
            agentDriver.enable(now.state(), now.logIndex());
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("member " + config.hostId() + " failed to start", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private RaftGroupId groupFor(MembershipFile membership) {
        groupId = RaftSettings.groupId(membership.poolUuid(), membership.generation());
        return groupId;
    }

    private void createPool(String name) throws IOException {
        MembershipFile membership = new MembershipFile(PoolId.random().toString(), 1);
        startRaft(RaftGroup.valueOf(groupFor(membership), selfPeer()));
        Operation.PoolCreate create = new Operation.PoolCreate(PoolId.of(membership.poolUuid()), name, hostSpec(), 0);
        CommandPool.resultOrThrow(pool.submit(new PoolCommand("create/" + membership.poolUuid(), 0, 0, create))
                .join());
        membership.write(config.storage());
    }

    private void joinPool(String address) throws IOException {
        try (RemoteMember remote =
                RemoteMember.connect(address, config.timeouts().requestTimeout())) {
            var status = remote.status();
            MembershipFile membership = new MembershipFile(status.getPoolUuid(), status.getGeneration());
            // Start empty: the leader adds this peer and sends it the log or a snapshot.
            startRaft(RaftGroup.valueOf(groupFor(membership)));
            remote.join(hostSpec(), config.raftAddress());
            membership.write(config.storage());
        }
    }

    private void startRaft(RaftGroup group) throws IOException {
        Parameters parameters = new Parameters();
        server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(config.hostId().toString()))
                .setGroup(group)
                .setProperties(
                        RaftSettings.server(config.storage(), config.host(), config.raftPort(), config.timeouts()))
                .setParameters(parameters)
                .setStateMachineRegistry(gid -> {
                    stateMachine = new PoolStateMachine(this);
                    return stateMachine;
                })
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        // The registry is called lazily: touching the division creates the state machine.
        server.getDivision(group.getGroupId());
        List<RaftPeer> peers = new ArrayList<>(group.getPeers());
        if (peers.isEmpty()) {
            peers.add(selfPeer());
        }
        client = RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(group.getGroupId(), peers))
                .setProperties(RaftSettings.client(config.timeouts()))
                .setRetryPolicy(RaftSettings.retryPolicy(config.timeouts()))
                .build();
        batcher = new CommandBatcher(
                config.hostId().toString(), message -> client.async().send(message));
    }

    private RaftPeer selfPeer() {
        return RaftPeer.newBuilder()
                .setId(config.hostId().toString())
                .setAddress(config.raftAddress())
                .build();
    }

    private Operation.HostSpec hostSpec() {
        return new Operation.HostSpec(
                config.hostId(), config.nameLabel(), config.serviceAddress(), config.memoryTotal(), config.witness());
    }

    // --- used by MemberPool and the PoolService

    CommandBatcher batcher() {
        CommandBatcher b = batcher;
        if (b == null || closed) {
            throw PoolException.of(ErrorCode.MEMBER_NOT_RUNNING, List.of(), "member is not running");
        }
        return b;
    }

    RaftClient client() {
        return client;
    }

    EventLog events() {
        return events;
    }

    MemberConfig config() {
        return config;
    }

    /** The latest state this member applied. */
    public PoolStateMachine.Applied applied() {
        PoolStateMachine sm = stateMachine;
        return sm == null ? new PoolStateMachine.Applied(PoolState.empty(), 0, 0) : sm.current();
    }

    /** The Raft address of this member. */
    public String raftAddress() {
        return config.raftAddress();
    }

    /** The PoolService address of this member. */
    public String serviceAddress() {
        return service == null ? config.serviceAddress() : config.host() + ":" + service.port();
    }

    /**
     * Adds a host that the pool accepted ({@link Operation.PoolJoin} applied) to the Raft configuration: a voter, or
     * a listener when the pool made it one. Only the leader can; other members forward through the Raft client.
     */
    public void addPeer(HostId host, String raftAddress, HostRole role) throws IOException {
        RaftPeer peer = RaftPeer.newBuilder()
                .setId(host.toString())
                .setAddress(raftAddress)
                .setStartupRole(role.votes() ? RaftPeerRole.FOLLOWER : RaftPeerRole.LISTENER)
                .build();
        SetConfigurationRequest.Arguments.Builder args =
                SetConfigurationRequest.Arguments.newBuilder().setMode(SetConfigurationRequest.Mode.ADD);
        if (role.votes()) {
            args.setServersInNewConf(List.of(peer));
        } else {
            args.setListenersInNewConf(List.of(peer));
        }
        RaftClientReply reply = client.admin().setConfiguration(args.build());
        if (!reply.isSuccess()) {
            throw new IOException("could not add " + host + " to the Raft group", reply.getException());
        }
    }

    /** Planned master change: Raft leadership transfer, then wait for the new leader to record itself. */
    CompletableFuture<Void> transferLeadership(HostId target) {
        return CompletableFuture.runAsync(() -> {
            try {
                RaftClientReply reply = client.admin()
                        .transferLeadership(
                                RaftPeerId.valueOf(target.toString()),
                                config.timeouts().requestTimeout().toMillis());
                if (!reply.isSuccess()) {
                    throw PoolException.of(
                            ErrorCode.NO_MASTER,
                            List.of(target.toString()),
                            "leadership transfer failed: " + reply.getException());
                }
            } catch (IOException e) {
                throw PoolException.of(ErrorCode.NO_MASTER, List.of(target.toString()), e.toString());
            }
        });
    }

    // --- PoolStateMachine.ApplyListener (apply thread: quick, never call Ratis here)

    @Override
    public void applied(long logIndex, List<PoolStateMachine.AppliedCommand> commands, PoolStateMachine.Applied after) {
        events.append(commands);
        pool.applied(commands, after);
        agentDriver.reconcile(after.state(), logIndex);
        if (leader
                && !after.state().isMaster(config.hostId())
                && after.state().pool().isPresent()) {
            duties.execute(this::recordMaster);
        }
    }

    @Override
    public void leaderReady() {
        leader = true;
        duties.execute(this::recordMaster);
    }

    @Override
    public void notLeader() {
        leader = false;
    }

    @Override
    public void reloaded(PoolStateMachine.Applied after) {
        pool.applied(List.of(), after);
    }

    /** A new leader records itself as pool master (DESIGN §4); retried by the next apply if it fails. */
    private void recordMaster() {
        PoolState state = applied().state();
        if (!leader || closed || state.pool().isEmpty() || state.isMaster(config.hostId())) {
            return;
        }
        pool.submit(PoolCommand.of(new Operation.PoolSetMaster(config.hostId())))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.debug("recording master failed: {}", e.toString());
                    }
                });
    }

    // --- PoolMember

    @Override
    public HostId hostId() {
        return config.hostId();
    }

    @Override
    public MemberRole role() {
        if (closed || server == null) {
            return MemberRole.STANDALONE;
        }
        if (leader) {
            return MemberRole.MASTER;
        }
        try {
            return server.getDivision(groupId).getInfo().getLeaderId() != null
                    ? MemberRole.SLAVE
                    : MemberRole.NO_MASTER;
        } catch (IOException e) {
            return MemberRole.NO_MASTER;
        }
    }

    @Override
    public boolean isInEmergencyMode() {
        return false;
    }

    @Override
    public long generation() {
        return applied().state().pool().map(p -> p.generation()).orElse(0L);
    }

    @Override
    public MemberPool pool() {
        return pool;
    }

    @Override
    public void emergencyTransitionToMaster() {
        throw PoolException.of(ErrorCode.NOT_IN_EMERGENCY_MODE, List.of(), "not implemented yet: issue 4");
    }

    @Override
    public void emergencyResetMaster(String masterAddress) {
        throw PoolException.of(ErrorCode.NOT_IN_EMERGENCY_MODE, List.of(), "not implemented yet: issue 4");
    }

    @Override
    public List<HostId> recoverSlaves() {
        throw PoolException.of(ErrorCode.NOT_IN_EMERGENCY_MODE, List.of(), "not implemented yet: issue 4");
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        leader = false;
        agentDriver.close();
        duties.shutdownNow();
        if (batcher != null) {
            batcher.close();
        }
        closeQuietly(client);
        closeQuietly(server);
        if (service != null) {
            service.close();
        }
        pool.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("close failed: {}", e.toString());
        }
    }
}
