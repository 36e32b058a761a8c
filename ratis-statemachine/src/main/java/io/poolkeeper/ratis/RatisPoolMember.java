package io.poolkeeper.ratis;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.proto.HeartbeatReply;
import io.poolkeeper.proto.HeartbeatRequest;
import io.poolkeeper.proto.MemberStatus;
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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.ExitUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool member on Apache Ratis: the Raft peer of this host, its copy of the pool, its PoolService endpoint, and
 * the duties that follow from its role (DESIGN §4–§5):
 *
 * <ul>
 *   <li>master (Raft leader): records itself as master, checks that no newer generation exists before taking
 *       writes, keeps the heartbeat clocks and commits hosts dead or live, keeps Raft's configuration in line with
 *       the pool's members, and raises {@code DEFAULT_SR_INVALID} after taking over;
 *   <li>slave: heartbeats the master;
 *   <li>no master for {@code emergency-after}: emergency mode, where writes fail at once;
 *   <li>a newer generation seen: stale, it leaves the old Raft group and refuses writes until reset.
 * </ul>
 *
 * <p>Thread-safe. Start once; a closed member cannot be restarted (build a new one on the same directory).
 */
public final class RatisPoolMember implements PoolMember, PoolStateMachine.ApplyListener {
    private static final Logger LOG = LoggerFactory.getLogger(RatisPoolMember.class);

    /** The Raft group this member currently takes part in, with its client and batcher. */
    private record Group(RaftGroupId id, RaftClient client, CommandBatcher batcher) {}

    private final MemberConfig config;
    private final EventLog events = new EventLog();
    private final MemberPool pool;
    private final AgentDriver agentDriver;
    private final ExecutorService duties;
    private final ScheduledExecutorService monitor;
    private final Peers peers;
    private final MasterWatch watch;
    private final Liveness liveness;
    private final GenerationCheck generationCheck;
    /** Serializes group changes: start, emergency transition, reset, leaving the pool, close. */
    private final ReentrantLock switching = new ReentrantLock();

    private final AtomicBoolean reconcilePending = new AtomicBoolean();
    /** Hosts whose liveness verdict is being committed: one at a time each. */
    private final java.util.Set<HostId> verdictsInFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private volatile PoolStateMachine stateMachine;
    private volatile RaftServer server;
    private volatile Group group;
    private volatile PoolServer service;
    /** The bound PoolService port, kept so the address stays known after close. */
    private volatile int servicePort;

    private volatile boolean leader;
    /** Set when this member learns of a newer generation of its pool: it stopped acting in its own. */
    private volatile long staleBy;
    /** Not in any pool (ejected, forgotten, or reset failed half-way). */
    private volatile boolean standalone;

    private volatile boolean started;
    private volatile boolean closed;
    private long lastHeartbeatNanos;

    RatisPoolMember(MemberConfig config) {
        this.config = config;
        this.pool = new MemberPool(this);
        this.agentDriver = new AgentDriver(config.hostId(), config.agent(), pool::submit);
        this.duties = Executors.newSingleThreadExecutor(daemon("duties-" + config.hostId()));
        this.monitor = Executors.newSingleThreadScheduledExecutor(daemon("monitor-" + config.hostId()));
        this.peers = new Peers(config.hostId().toString());
        this.watch = new MasterWatch(config.timeouts().emergencyAfter(), System.nanoTime());
        this.liveness = new Liveness(config.timeouts().hostDeadAfter());
        this.generationCheck = new GenerationCheck(config.timeouts().electionTimeoutMax());
    }

    /** Duties are dropped once the member is closed. */
    private void runDuty(Runnable duty) {
        try {
            duties.execute(duty);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("member closed: duty dropped");
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void start() {
        switching.lock();
        try {
            if (started) {
                throw new IllegalStateException("already started");
            }
            started = true;
            // A bind failure would otherwise call System.exit and take the embedding JVM down.
            ExitUtils.disableSystemExit();
            service = PoolServer.start(
                    config.host(),
                    config.servicePort(),
                    this,
                    config.faults()
                            .map(f -> FaultInterceptors.poolService(
                                    f, config.hostId().toString())));
            servicePort = service.port();
            startServer();
            Optional<MembershipFile> stored = MembershipFile.read(config.storage());
            if (stored.isPresent()) {
                MembershipFile membership = stored.get();
                addGroup(RaftGroup.valueOf(RaftSettings.groupId(membership.poolUuid(), membership.generation())));
            } else if (config.createPool().isPresent()) {
                createPool(config.createPool().get());
            } else if (config.joinAddress().isPresent()) {
                joinPool(config.joinAddress().get(), 0);
            } else {
                throw new IllegalStateException("no pool stored in " + config.storage() + ": createPool or joinPool");
            }
            PoolStateMachine.Applied now = stateMachine.current();
            agentDriver.enable(now.state(), now.logIndex());
            long tick = Math.max(
                    10, Math.min(100, config.timeouts().heartbeatInterval().toMillis() / 2));
            monitor.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            closeNow(false);
            throw new UncheckedIOException("member " + config.hostId() + " failed to start", e);
        } catch (RuntimeException e) {
            closeNow(false);
            throw e;
        } finally {
            switching.unlock();
        }
    }

    private void startServer() throws IOException {
        Parameters parameters = new Parameters();
        config.faults()
                .ifPresent(f -> GrpcConfigKeys.Server.setServicesCustomizer(
                        parameters, FaultInterceptors.ratis(f, config.hostId().toString())));
        server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(config.hostId().toString()))
                .setProperties(
                        RaftSettings.server(config.storage(), config.host(), config.raftPort(), config.timeouts()))
                .setParameters(parameters)
                .setStateMachineRegistry(gid -> {
                    // A new state machine per group: Ratis cannot re-initialize one.
                    stateMachine = new PoolStateMachine(this);
                    return stateMachine;
                })
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
    }

    /** Adds a Raft group to the server (recovering it from disk if it is there) and opens a client on it. */
    private void addGroup(RaftGroup raftGroup) throws IOException {
        boolean recovered = false;
        for (RaftGroupId id : server.getGroupIds()) {
            recovered |= id.equals(raftGroup.getGroupId());
        }
        // A group found on disk was recovered by the server at start (RECOVER); its stored configuration wins.
        if (!recovered) {
            RaftClientReply reply = server.groupManagement(
                    GroupManagementRequest.newAdd(ClientId.randomId(), selfId(), 0, raftGroup, true));
            if (!reply.isSuccess()) {
                throw new IOException("cannot add Raft group " + raftGroup.getGroupId(), reply.getException());
            }
        }
        // The registry is called lazily: touching the division creates the state machine.
        server.getDivision(raftGroup.getGroupId());
        List<RaftPeer> clientPeers = new ArrayList<>(raftGroup.getPeers());
        if (clientPeers.isEmpty()) {
            clientPeers.addAll(
                    server.getDivision(raftGroup.getGroupId()).getRaftConf().getCurrentPeers());
        }
        if (clientPeers.isEmpty()) {
            clientPeers.add(selfPeer());
        }
        RaftClient client = RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(raftGroup.getGroupId(), clientPeers))
                .setProperties(RaftSettings.client(config.timeouts()))
                .setRetryPolicy(RaftSettings.retryPolicy(config.timeouts()))
                .build();
        CommandBatcher batcher = new CommandBatcher(
                config.hostId().toString(), message -> client.async().send(message));
        group = new Group(raftGroup.getGroupId(), client, batcher);
        standalone = false;
    }

    /** Leaves the current Raft group: closes its client, and removes it from the server (renamed or deleted). */
    private void dropGroup(boolean deleteDirectory) {
        Group g = group;
        group = null;
        leader = false;
        if (g == null) {
            return;
        }
        g.batcher().close();
        closeQuietly(g.client());
        try {
            RaftClientReply reply = server.groupManagement(GroupManagementRequest.newRemove(
                    ClientId.randomId(), selfId(), 0, g.id(), deleteDirectory, !deleteDirectory));
            if (!reply.isSuccess()) {
                LOG.warn("removing Raft group {} failed: {}", g.id(), reply.getException());
            }
        } catch (IOException e) {
            LOG.warn("removing Raft group {} failed: {}", g.id(), e.toString());
        }
    }

    private void createPool(String name) throws IOException {
        MembershipFile membership = new MembershipFile(PoolId.random().toString(), 1);
        addGroup(RaftGroup.valueOf(RaftSettings.groupId(membership.poolUuid(), 1), selfPeer()));
        Operation.PoolCreate create = new Operation.PoolCreate(PoolId.of(membership.poolUuid()), name, hostSpec(), 0);
        CommandPool.resultOrThrow(pool.submit(new PoolCommand("create/" + membership.poolUuid(), 0, 0, create))
                .join());
        membership.write(config.storage());
    }

    /**
     * Joins the pool served at {@code address}: a new Raft group member that starts empty and is sent the log or a
     * snapshot once the master adds it. {@code generation} 0 joins whatever generation the pool is in.
     */
    private void joinPool(String address, long generation) throws IOException {
        try (RemoteMember remote = peers.connect(address, config.timeouts().requestTimeout())) {
            MemberStatus status = remote.status();
            if (status.getPoolUuid().isEmpty()) {
                throw PoolException.of(
                        ErrorCode.NO_POOL, List.of(address), "the member at " + address + " is in no pool");
            }
            if (generation != 0 && status.getGeneration() != generation) {
                throw PoolException.of(
                        ErrorCode.POOL_GENERATION_STALE,
                        List.of(Long.toString(generation), Long.toString(status.getGeneration())),
                        "the member at " + address + " is of generation " + status.getGeneration());
            }
            MembershipFile membership = new MembershipFile(status.getPoolUuid(), status.getGeneration());
            RaftGroupId id = RaftSettings.groupId(membership.poolUuid(), membership.generation());
            addGroup(RaftGroup.valueOf(id));
            remote.join(hostSpec(), config.raftAddress(), status.getGeneration());
            membership.write(config.storage());
        }
    }

    private RaftPeerId selfId() {
        return RaftPeerId.valueOf(config.hostId().toString());
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
        checkWritable();
        Group g = group;
        if (g == null) {
            throw PoolException.of(ErrorCode.MEMBER_NOT_RUNNING, List.of(), "member is not running");
        }
        return g.batcher();
    }

    /**
     * Fails at once when this member cannot take part in writes: closed, in no pool, of a stale generation, or in
     * emergency mode (DESIGN §4: we answer at once where xapi hangs).
     */
    void checkWritable() {
        if (closed || !started) {
            throw PoolException.of(ErrorCode.MEMBER_NOT_RUNNING, List.of(), "member is not running");
        }
        if (staleBy > 0) {
            throw PoolException.of(
                    ErrorCode.POOL_GENERATION_STALE,
                    List.of(Long.toString(generation()), Long.toString(staleBy)),
                    "this member is of generation " + generation() + "; the pool moved on to " + staleBy
                            + ": run pool-emergency-reset-master");
        }
        if (standalone) {
            throw PoolException.of(ErrorCode.NO_POOL, List.of(), "this member is not part of a pool");
        }
        if (isInEmergencyMode()) {
            throw PoolException.of(
                    ErrorCode.HOST_IN_EMERGENCY_MODE,
                    List.of(config.hostId().toString()),
                    "no master for " + config.timeouts().emergencyAfter().toSeconds()
                            + " s: only local reads and the emergency commands are served");
        }
    }

    RaftClient client() {
        Group g = group;
        if (g == null) {
            throw PoolException.of(ErrorCode.MEMBER_NOT_RUNNING, List.of(), "member is not running");
        }
        return g.client();
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
        return sm == null || standalone ? new PoolStateMachine.Applied(PoolState.empty(), 0, 0) : sm.current();
    }

    /** The Raft address of this member. */
    public String raftAddress() {
        return config.raftAddress();
    }

    /** The hosts of this member's current Raft configuration (voters, then listeners), for diagnostics and tests. */
    public List<HostId> raftPeers() {
        Group g = group;
        if (g == null) {
            return List.of();
        }
        try {
            RaftConfiguration conf = server.getDivision(g.id()).getRaftConf();
            List<HostId> out = new ArrayList<>();
            conf.getCurrentPeers(RaftPeerRole.FOLLOWER)
                    .forEach(p -> out.add(HostId.of(p.getId().toString())));
            conf.getCurrentPeers(RaftPeerRole.LISTENER)
                    .forEach(p -> out.add(HostId.of(p.getId().toString())));
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public String serviceAddress() {
        return servicePort == 0 ? config.serviceAddress() : config.host() + ":" + servicePort;
    }

    /**
     * Adds a host that the pool accepted ({@link Operation.PoolJoin} applied, or a known host rejoining a new
     * generation) to the Raft configuration: a voter, or a listener when the pool made it one.
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
        RaftClientReply reply = client().admin().setConfiguration(args.build());
        if (!reply.isSuccess()) {
            throw new IOException("could not add " + host + " to the Raft group", reply.getException());
        }
    }

    /** Planned master change: Raft leadership transfer, then wait for the new leader to record itself. */
    CompletableFuture<Void> transferLeadership(HostId target) {
        return CompletableFuture.runAsync(() -> {
            try {
                RaftClientReply reply = client().admin()
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
        if (!leader || after.state().pool().isEmpty()) {
            return;
        }
        if (!after.state().isMaster(config.hostId())) {
            runDuty(this::recordMaster);
        }
        for (PoolStateMachine.AppliedCommand a : commands) {
            if (a.command().operation() instanceof Operation.HostSetLive dead
                    && !dead.live()
                    && a.outcome() instanceof io.poolkeeper.core.Outcome.Applied) {
                runDuty(() -> abortOperationsOn(dead.host()));
            }
            if (a.command().operation() instanceof Operation.PoolSetMaster m
                    && m.host().equals(config.hostId())
                    && a.outcome() instanceof io.poolkeeper.core.Outcome.Applied) {
                runDuty(this::checkDefaultSr);
            }
        }
        if (reconcilePending.compareAndSet(false, true)) {
            runDuty(this::reconcileConfiguration);
        }
    }

    @Override
    public void leaderReady() {
        leader = true;
        liveness.restart();
        generationCheck.leadershipStarted();
        runDuty(() -> {
            probeGenerations(true);
            recordMaster();
        });
    }

    @Override
    public void notLeader() {
        leader = false;
    }

    @Override
    public void reloaded(PoolStateMachine.Applied after) {
        pool.applied(List.of(), after);
    }

    @Override
    public void beforeWrite() throws IOException {
        if (staleBy > 0) {
            throw new IOException(
                    ErrorCode.POOL_GENERATION_STALE.name() + ": the pool moved on to generation " + staleBy);
        }
        if (!generationCheck.awaitChecked()) {
            throw new IOException(ErrorCode.POOL_GENERATION_STALE.name() + ": a newer generation exists");
        }
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

    /**
     * A host died with VM operations pending on its agent: nobody will carry them out, so the master commits them
     * failed (the VM is left as it was, the caller gets {@code HOST_AGENT_FAILED}) and the VMs can be used elsewhere.
     */
    private void abortOperationsOn(HostId host) {
        PoolState state = applied().state();
        for (io.poolkeeper.api.model.Vm vm : state.vms().values()) {
            if (vm.currentOperation().isEmpty()
                    || !AgentDriver.agentHost(vm, vm.currentOperation().get()).equals(Optional.of(host))) {
                continue;
            }
            var op = vm.currentOperation().get();
            LOG.info("host {} is dead: {} of VM {} fails", host, op.xapiName(), vm.uuid());
            pool.submit(new PoolCommand(
                    "abort/" + vm.uuid() + "/" + generation() + "/" + applied().logIndex(),
                    0,
                    generation(),
                    new Operation.VmCompleteOperation(vm.uuid(), op, false)));
        }
    }

    /** After a transition to master: the seed's default-SR check, as an alert every member sees. */
    private void checkDefaultSr() {
        PoolStateMachine.Applied now = applied();
        if (!now.state().toView(now.sequence()).alerts().contains(ErrorCode.DEFAULT_SR_INVALID)) {
            return;
        }
        String sr = now.state()
                .pool()
                .flatMap(p -> p.defaultSr())
                .map(Object::toString)
                .orElse("");
        pool.submit(PoolCommand.of(new Operation.PoolAlert(ErrorCode.DEFAULT_SR_INVALID, List.of(sr))))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.debug("raising DEFAULT_SR_INVALID failed: {}", e.toString());
                    }
                });
    }

    /**
     * The leader makes Raft's configuration follow the pool's members: hosts gone from the pool (ejected,
     * forgotten) leave it, listeners the pool promoted become voters. Hosts are only ever added by a join.
     */
    private void reconcileConfiguration() {
        reconcilePending.set(false);
        Group g = group;
        if (!leader || closed || g == null) {
            return;
        }
        try {
            RaftConfiguration conf = server.getDivision(g.id()).getRaftConf();
            if (!conf.getPreviousPeers().isEmpty()) {
                return; // a change is under way; the next apply looks again
            }
            PoolState state = applied().state();
            List<RaftPeer> voters = new ArrayList<>();
            List<RaftPeer> listeners = new ArrayList<>();
            List<RaftPeer> all = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
            all.addAll(conf.getCurrentPeers(RaftPeerRole.LISTENER));
            for (RaftPeer peer : all) {
                Host host = state.hosts().get(HostId.of(peer.getId().toString()));
                if (host == null) {
                    continue;
                }
                RaftPeer asRole = RaftPeer.newBuilder()
                        .setId(peer.getId())
                        .setAddress(peer.getAddress())
                        .setAdminAddress(peer.getAdminAddress())
                        .setClientAddress(peer.getClientAddress())
                        .setDataStreamAddress(peer.getDataStreamAddress())
                        .setPriority(peer.getPriority())
                        .setStartupRole(host.role().votes() ? RaftPeerRole.FOLLOWER : RaftPeerRole.LISTENER)
                        .build();
                (host.role().votes() ? voters : listeners).add(asRole);
            }
            boolean same = voters.size()
                            == conf.getCurrentPeers(RaftPeerRole.FOLLOWER).size()
                    && listeners.size()
                            == conf.getCurrentPeers(RaftPeerRole.LISTENER).size()
                    && voters.stream().allMatch(p -> conf.getPeer(p.getId(), RaftPeerRole.FOLLOWER) != null);
            if (same || voters.stream().noneMatch(p -> p.getId().equals(selfId()))) {
                return;
            }
            LOG.info("Raft configuration follows the pool: voters {}, listeners {}", ids(voters), ids(listeners));
            RaftClientReply reply = g.client()
                    .admin()
                    .setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
                            .setServersInNewConf(voters)
                            .setListenersInNewConf(listeners)
                            .setMode(SetConfigurationRequest.Mode.SET_UNCONDITIONALLY)
                            .build());
            if (!reply.isSuccess()) {
                LOG.warn("Raft configuration change failed: {}", reply.getException());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Raft configuration change failed: {}", e.toString());
        }
    }

    private static List<String> ids(List<RaftPeer> peers) {
        return peers.stream().map(p -> p.getId().toString()).toList();
    }

    // --- monitor: master watch, heartbeats, liveness, generation probes

    private void tick() {
        try {
            if (closed || standalone || group == null) {
                return;
            }
            long now = System.nanoTime();
            boolean masterKnown = leader || leaderId().isPresent();
            watch.observe(masterKnown, now);
            boolean beat = now - lastHeartbeatNanos
                    >= config.timeouts().heartbeatInterval().toNanos();
            if (beat) {
                lastHeartbeatNanos = now;
            }
            if (leader) {
                judgeLiveness(now);
                if (beat) {
                    probeGenerations(false);
                }
            } else if (masterKnown) {
                if (beat) {
                    sendHeartbeat(false);
                }
            } else if (beat) {
                // No master: a newer generation may have been founded without this member.
                probeGenerations(false);
            }
        } catch (RuntimeException e) {
            LOG.warn("monitor tick failed: {}", e.toString());
        }
    }

    private Optional<HostId> leaderId() {
        Group g = group;
        if (g == null) {
            return Optional.empty();
        }
        try {
            RaftPeerId id = server.getDivision(g.id()).getInfo().getLeaderId();
            return id == null ? Optional.empty() : Optional.of(HostId.of(id.toString()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void judgeLiveness(long now) {
        PoolState state = applied().state();
        if (state.pool().isEmpty() || !state.isMaster(config.hostId())) {
            return;
        }
        for (Operation.HostSetLive verdict : liveness.verdicts(state, config.hostId(), now)) {
            if (verdictsInFlight.add(verdict.host())) {
                LOG.info("host {} is {}", verdict.host(), verdict.live() ? "live again" : "dead (no heartbeat)");
                pool.submit(PoolCommand.of(verdict)).whenComplete((r, e) -> verdictsInFlight.remove(verdict.host()));
            }
        }
    }

    private void sendHeartbeat(boolean shuttingDown) {
        Optional<String> master =
                leaderId().map(id -> applied().state().hosts().get(id)).map(Host::address);
        if (master.isEmpty()) {
            return;
        }
        HeartbeatRequest request = HeartbeatRequest.newBuilder()
                .setHostUuid(config.hostId().toString())
                .setGeneration(generation())
                .setShuttingDown(shuttingDown)
                .setPoolUuid(
                        applied().state().pool().map(p -> p.uuid().toString()).orElse(""))
                .build();
        CompletableFuture<HeartbeatReply> reply =
                peers.heartbeat(master.get(), request, config.timeouts().heartbeatInterval());
        if (shuttingDown) {
            try {
                reply.get(config.timeouts().requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.debug("shutdown heartbeat failed: {}", e.toString());
            }
            return;
        }
        reply.whenComplete((r, e) -> {
            if (r == null) {
                return;
            }
            if (r.getGeneration() > generation()) {
                becomeStale(r.getGeneration());
            } else if (!r.getKnown() && r.getGeneration() == generation()) {
                runDuty(this::leavePool);
            }
        });
    }

    /** The master's side of a heartbeat. */
    public HeartbeatReply onHeartbeat(HeartbeatRequest request) {
        long mine = generation();
        if (request.getGeneration() > mine) {
            becomeStale(request.getGeneration());
        }
        PoolState state = applied().state();
        HostId from;
        try {
            from = HostId.of(request.getHostUuid());
        } catch (IllegalArgumentException e) {
            return HeartbeatReply.newBuilder()
                    .setGeneration(Math.max(mine, staleBy))
                    .build();
        }
        boolean known = state.hosts().containsKey(from);
        if (leader && known && request.getGeneration() == mine && staleBy == 0) {
            long now = System.nanoTime();
            if (request.getShuttingDown()) {
                liveness.shutDown(from);
                judgeLiveness(now);
            } else {
                liveness.heard(from, now);
            }
        }
        HeartbeatReply.Builder reply = HeartbeatReply.newBuilder()
                .setGeneration(Math.max(mine, staleBy))
                // Only a master can say a host is not in the pool; anyone else might be behind.
                .setKnown(known || !leader);
        state.pool().flatMap(p -> p.master()).ifPresent(m -> reply.setMasterUuid(m.toString()));
        return reply.build();
    }

    /**
     * Asks the other hosts of the pool which generation they are in. A newer one makes this member stale. At the
     * start of a leadership ({@code gate}) writes wait for the answers, so a master of a superseded generation never
     * accepts one; hosts that do not answer within the check's deadline cannot hold a newer generation that matters
     * to a write this member could take.
     */
    private void probeGenerations(boolean gate) {
        PoolState state = applied().state();
        Optional<io.poolkeeper.api.model.Pool> pool = state.pool();
        if (pool.isEmpty()) {
            if (gate) {
                generationCheck.checked(true);
            }
            return;
        }
        long mine = pool.get().generation();
        String poolUuid = pool.get().uuid().toString();
        List<CompletableFuture<MemberStatus>> answers = new ArrayList<>();
        for (Host host : state.hosts().values()) {
            if (!host.uuid().equals(config.hostId())) {
                answers.add(peers.status(host.address(), generationCheck.deadline()));
            }
        }
        CompletableFuture<?>[] all = answers.stream()
                .map(f -> f.handle((status, error) -> {
                    if (status != null && status.getPoolUuid().equals(poolUuid) && status.getGeneration() > mine) {
                        becomeStale(status.getGeneration());
                    }
                    return null;
                }))
                .toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(all).whenComplete((ok, e) -> {
            if (gate) {
                generationCheck.checked(staleBy == 0);
            }
        });
    }

    /**
     * This member learned that its pool moved on to a newer generation (DESIGN §5): it stops acting as master or
     * slave of its own at once, leaving the old Raft group (kept on disk, renamed), and refuses writes with
     * {@code POOL_GENERATION_STALE} until an emergency reset brings it into the new generation.
     */
    private void becomeStale(long newer) {
        if (newer <= generation() || standalone) {
            return;
        }
        synchronized (this) {
            if (staleBy >= newer) {
                return;
            }
            staleBy = newer;
        }
        leader = false;
        generationCheck.checked(false);
        LOG.warn("pool moved on to generation {}; this member (generation {}) stops acting in it", newer, generation());
        runDuty(() -> {
            switching.lock();
            try {
                if (staleBy > 0 && group != null && !closed) {
                    dropGroup(false);
                }
            } finally {
                switching.unlock();
            }
        });
    }

    /** This host is no longer in the pool (ejected or forgotten): wipe the copy and become standalone. */
    private void leavePool() {
        switching.lock();
        try {
            if (closed || standalone || group == null) {
                return;
            }
            LOG.info("host {} is no longer in the pool: wiping the local copy", config.hostId());
            dropGroup(true);
            MembershipFile.delete(config.storage());
            standalone = true;
            staleBy = 0;
            events.reset();
        } finally {
            switching.unlock();
        }
    }

    // --- PoolMember

    @Override
    public HostId hostId() {
        return config.hostId();
    }

    @Override
    public MemberRole role() {
        if (closed || !started || standalone || server == null) {
            return MemberRole.STANDALONE;
        }
        if (staleBy > 0) {
            return MemberRole.EMERGENCY;
        }
        if (leader) {
            return MemberRole.MASTER;
        }
        if (leaderId().isPresent()) {
            return MemberRole.SLAVE;
        }
        return isInEmergencyMode() ? MemberRole.EMERGENCY : MemberRole.NO_MASTER;
    }

    @Override
    public boolean isInEmergencyMode() {
        if (closed || standalone) {
            return false;
        }
        return staleBy > 0 || (!leader && leaderId().isEmpty() && watch.emergency(System.nanoTime()));
    }

    @Override
    public long generation() {
        return applied().state().pool().map(p -> p.generation()).orElse(0L);
    }

    /** The newer generation this member learned of, or 0. */
    public long staleBy() {
        return staleBy;
    }

    @Override
    public MemberPool pool() {
        return pool;
    }

    /**
     * {@code pool-emergency-transition-to-master} (DESIGN §5): re-founds the pool on a new Raft group, generation +
     * 1, with this member as its only voter and, as first entry, an import of everything in its local log,
     * committed or not. Other hosts stay in the pool, not live, until recovered.
     */
    @Override
    public void emergencyTransitionToMaster() {
        switching.lock();
        try {
            if (staleBy > 0) {
                checkWritable(); // throws POOL_GENERATION_STALE: a newer generation already exists
            }
            if (!isInEmergencyMode()) {
                throw PoolException.of(
                        ErrorCode.NOT_IN_EMERGENCY_MODE,
                        List.of(config.hostId().toString()),
                        "this member is " + role() + "; pool-emergency-transition-to-master needs emergency mode");
            }
            Group old = group;
            PoolStateMachine.Applied local =
                    stateMachine.withLogTail(server.getDivision(old.id()).getRaftLog());
            PoolState state = local.state();
            io.poolkeeper.api.model.Pool p = state.requirePool();
            long generation = p.generation() + 1;
            PoolState imported = state;
            for (Host host : state.hosts().values()) {
                if (!host.uuid().equals(config.hostId()) && host.live()) {
                    // Live in the new generation only once it rejoins it.
                    imported = imported.withHost(host.withLive(false));
                }
            }
            LOG.warn(
                    "emergency transition to master: generation {} -> {}, importing {} VMs at log index {}",
                    p.generation(),
                    generation,
                    state.vms().size(),
                    local.logIndex());
            dropGroup(false);
            events.reset();
            // The new group is this member's own: it has a master again as soon as it elects itself.
            watch.observe(true, System.nanoTime());
            addGroup(RaftGroup.valueOf(RaftSettings.groupId(p.uuid().toString(), generation), selfPeer()));
            new MembershipFile(p.uuid().toString(), generation).write(config.storage());
            PoolCommand importCommand = new PoolCommand(
                    "import/" + p.uuid() + "/" + generation,
                    0,
                    0,
                    new Operation.PoolImport(imported, generation, config.hostId()));
            CommandPool.resultOrThrow(pool.submit(importCommand)
                    .get(config.timeouts().requestTimeout().toMillis() * 2, TimeUnit.MILLISECONDS));
            watch.observe(true, System.nanoTime());
        } catch (IOException e) {
            throw PoolException.of(ErrorCode.INTERNAL_ERROR, List.of(), "emergency transition failed: " + e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof PoolException pe
                    ? pe
                    : PoolException.of(ErrorCode.INTERNAL_ERROR, List.of(), "emergency transition failed: " + e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw PoolException.of(ErrorCode.TIMEOUT, List.of(), "emergency transition: the import did not commit");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PoolException.of(ErrorCode.INTERNAL_ERROR, List.of(), "interrupted");
        } finally {
            switching.unlock();
        }
    }

    /**
     * {@code pool-emergency-reset-master}: allowed in emergency mode, or when this member is of an older generation
     * than the master at {@code masterAddress}. Drops the local copy (its Raft group is kept on disk, renamed) and
     * joins that master's generation, catching up through its log or a snapshot.
     */
    @Override
    public void emergencyResetMaster(String masterAddress) {
        switching.lock();
        try {
            MemberStatus master;
            try (RemoteMember remote =
                    peers.connect(masterAddress, config.timeouts().requestTimeout())) {
                master = remote.status();
            }
            long mine = generation();
            if (master.getGeneration() < mine && !standalone) {
                throw PoolException.of(
                        ErrorCode.POOL_GENERATION_STALE,
                        List.of(Long.toString(master.getGeneration()), Long.toString(mine)),
                        "the member at " + masterAddress + " is of an older generation than this one");
            }
            boolean allowed = standalone || staleBy > 0 || isInEmergencyMode() || master.getGeneration() > mine;
            if (!allowed) {
                throw PoolException.of(
                        ErrorCode.NOT_IN_EMERGENCY_MODE,
                        List.of(config.hostId().toString()),
                        "this member is " + role() + " in generation " + mine
                                + "; reset needs emergency mode or an older generation");
            }
            dropGroup(false);
            events.reset();
            staleBy = 0;
            watch.observe(true, System.nanoTime());
            joinPool(masterAddress, master.getGeneration());
            watch.observe(true, System.nanoTime());
        } catch (IOException e) {
            standalone = true;
            throw PoolException.of(ErrorCode.INTERNAL_ERROR, List.of(), "emergency reset failed: " + e);
        } finally {
            switching.unlock();
        }
    }

    /**
     * {@code pool-recover-slaves}: on the master, asks every other host of the pool that is not yet in this
     * generation's Raft group to reset to this master. Unreachable hosts are skipped.
     */
    @Override
    public List<HostId> recoverSlaves() {
        if (!leader) {
            throw PoolException.of(
                    ErrorCode.NO_MASTER,
                    List.of(config.hostId().toString()),
                    "pool-recover-slaves runs on the master; this member is " + role());
        }
        PoolState state = applied().state();
        List<HostId> recovered = new ArrayList<>();
        RaftConfiguration conf;
        try {
            conf = server.getDivision(group.id()).getRaftConf();
        } catch (IOException e) {
            throw PoolException.of(ErrorCode.MEMBER_NOT_RUNNING, List.of(), e.toString());
        }
        for (Host host : state.hosts().values()) {
            RaftPeerId id = RaftPeerId.valueOf(host.uuid().toString());
            if (host.uuid().equals(config.hostId())
                    || conf.getPeer(id, RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER) != null) {
                continue;
            }
            try (RemoteMember remote =
                    peers.connect(host.address(), config.timeouts().requestTimeout())) {
                remote.emergencyResetMaster(serviceAddress(), generation());
                recovered.add(host.uuid());
            } catch (RuntimeException e) {
                LOG.warn("could not recover host {}: {}", host.uuid(), e.getMessage());
            }
        }
        return recovered;
    }

    /**
     * The master's side of a join: a new host is proposed to the pool ({@code pool-join}); a host the pool already
     * has (rejoining a new generation after an emergency reset) keeps its record and role. Then its Raft peer is
     * added.
     */
    public CompletableFuture<HostRole> join(Operation.HostSpec host, String raftAddress, long generation) {
        if (generation != 0 && generation != generation()) {
            return CompletableFuture.failedFuture(PoolException.of(
                    ErrorCode.POOL_GENERATION_STALE,
                    List.of(Long.toString(generation), Long.toString(generation())),
                    "this member is of generation " + generation()));
        }
        Host known = applied().state().hosts().get(host.uuid());
        CompletableFuture<HostRole> role;
        if (known != null && generation != 0) {
            role = CompletableFuture.completedFuture(known.role());
        } else {
            role = pool.submit(new PoolCommand("join/" + host.uuid(), 0, 0, new Operation.PoolJoin(host)))
                    .thenApply(reply -> {
                        if (reply.rejection().isPresent()) {
                            var r = reply.rejection().get();
                            throw PoolException.of(r.code(), r.params(), r.message());
                        }
                        return ((io.poolkeeper.core.Result.Joined)
                                        reply.result().orElseThrow())
                                .role();
                    });
        }
        return role.thenApplyAsync(
                r -> {
                    try {
                        addPeer(host.uuid(), raftAddress, r);
                    } catch (IOException e) {
                        throw PoolException.of(ErrorCode.NO_QUORUM, List.of(), e.toString());
                    }
                    return r;
                },
                duties);
    }

    @Override
    public void close() {
        switching.lock();
        try {
            if (closed) {
                return;
            }
            if (started && !standalone && staleBy == 0 && group != null && !leader) {
                // A clean shutdown: the master marks this host dead at once instead of after the timeout.
                sendHeartbeat(true);
            }
            closeNow(true);
        } finally {
            switching.unlock();
        }
    }

    /**
     * Stops at once, as a crash would look to the others: no goodbye heartbeat. For tests and for embedders that
     * must stop without a word (the host is being fenced).
     */
    public void kill() {
        switching.lock();
        try {
            closeNow(false);
        } finally {
            switching.unlock();
        }
    }

    private void closeNow(boolean clean) {
        if (closed) {
            return;
        }
        closed = true;
        leader = false;
        monitor.shutdownNow();
        agentDriver.close();
        duties.shutdownNow();
        // The Raft server first: until it stops, the others still see a leader (a crash stops it at once).
        closeQuietly(server);
        Group g = group;
        if (g != null) {
            g.batcher().close();
            closeQuietly(g.client());
        }
        if (service != null) {
            service.close();
        }
        peers.close();
        pool.close();
        LOG.debug("member {} closed ({})", config.hostId(), clean ? "clean" : "abrupt");
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
