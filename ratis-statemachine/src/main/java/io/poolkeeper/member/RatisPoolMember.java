package io.poolkeeper.member;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.ha.HaMonitor;
import io.poolkeeper.metrics.MemberProbe;
import io.poolkeeper.port.HaBeat;
import io.poolkeeper.port.Heartbeat;
import io.poolkeeper.port.LogPosition;
import io.poolkeeper.port.MemberService;
import io.poolkeeper.port.PeerLink;
import io.poolkeeper.port.Scheduler;
import io.poolkeeper.ratis.AppliedCommand;
import io.poolkeeper.ratis.ApplyListener;
import io.poolkeeper.ratis.CommandBatcher;
import io.poolkeeper.ratis.MembershipFile;
import io.poolkeeper.ratis.RaftConfigSync;
import io.poolkeeper.ratis.RaftGroups;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool member on Apache Ratis: the {@link PoolMember} facade that wires the member runtime together. Its state is
 * one {@link MemberState} ({@link RoleState}); the duties of each state live in their own classes, started and
 * stopped with it: {@link MasterDuties} (master), {@link SlaveHeartbeats} (slave), {@link GenerationGuard} (every
 * state in a pool), {@link HalfPoolKeeper} (the recorded master of a pool cut in half), {@link EmergencyProcedures}
 * and {@link PoolMembership}. The Raft side is {@link RaftGroups}; time and work come from one {@link Scheduler}.
 *
 * <p>Thread-safe. Start once; a closed member cannot be restarted (build a new one on the same directory).
 */
public final class RatisPoolMember implements PoolMember, MemberService {
    private static final Logger LOG = LoggerFactory.getLogger(RatisPoolMember.class);

    /** What serves this member to others (PoolService), started once the member exists. */
    public interface Endpoint extends AutoCloseable {
        int port();

        @Override
        void close();
    }

    private final MemberConfig config;
    private final Scheduler scheduler;
    private final PeerLink peers;
    private final Function<MemberService, Endpoint> serve;
    private final RoleState role;
    private final EventLog events;
    private final MemberPool pool;
    private final AgentDriver agentDriver;
    private final RaftGroups groups;
    private final MasterWatch watch;
    private final HeartbeatReceiver heartbeats;
    private final GenerationGuard generations;
    private final MasterDuties master;
    private final SlaveHeartbeats slave;
    private final PoolMembership membership;
    private final EmergencyProcedures emergency;
    private final HalfPoolKeeper halfPool;
    private final Monitor monitor;
    private final HaBridge haBridge;
    private final HaMonitor ha;
    /** Serializes group changes: start, emergency transition, reset, leaving the pool, close. */
    private final ReentrantLock switching = new ReentrantLock();

    private volatile Endpoint service;
    /** The bound PoolService port, kept so the address stays known after close. */
    private volatile int servicePort;

    public RatisPoolMember(
            MemberConfig config, Scheduler scheduler, PeerLink peers, Function<MemberService, Endpoint> serve) {
        HostId self = config.hostId();
        this.config = config;
        this.scheduler = scheduler;
        this.peers = peers;
        this.serve = serve;
        this.role = new RoleState(self, config.timeouts().emergencyAfter());
        this.events = new EventLog(config.storage().resolve("events"), config.eventRetention());
        this.groups = new RaftGroups(
                self,
                config.raftAddress(),
                config.storage(),
                config.timeouts(),
                new ApplyEvents(),
                config.tls(),
                config.snapshotEvery());
        this.pool = new MemberPool(this);
        this.agentDriver = new AgentDriver(
                self,
                config.agent(),
                pool::submit,
                this::applied,
                () -> role.get() == MemberState.SLAVE || role.get() == MemberState.MASTER,
                this::readLinearizable,
                config.agentExecutor());
        this.watch = new MasterWatch(config.timeouts().emergencyAfter(), scheduler.nanos());
        this.generations = new GenerationGuard(
                self,
                peers,
                scheduler,
                this::poolState,
                role,
                config.timeouts().electionTimeoutMax(),
                config.timeouts().emergencyAfter(),
                newer -> scheduler.execute(this::leaveStaleGroup));
        this.heartbeats = new HeartbeatReceiver(
                self, config.timeouts().hostDeadAfter(), this::poolState, role, generations::observed, pool::submit);
        this.master = new MasterDuties(
                self,
                scheduler,
                this::applied,
                heartbeats,
                generations,
                new RaftConfigSync(groups, self),
                pool::submit,
                () -> role.get() == MemberState.MASTER);
        this.slave = new SlaveHeartbeats(
                self,
                peers,
                groups,
                this::poolState,
                config.timeouts().heartbeatInterval(),
                generations::observed,
                () -> scheduler.execute(this::leavePool));
        this.membership =
                new PoolMembership(config, groups, peers, scheduler, pool, this::applied, this::readLinearizable);
        this.emergency = new EmergencyProcedures(
                config, groups, role, peers, scheduler, events, watch, membership, switching, this::serviceAddress);
        this.halfPool = new HalfPoolKeeper(
                self, role, groups, generations, peers, emergency, this::poolState, this::serviceAddress, config);
        this.haBridge = new HaBridge(
                config,
                scheduler,
                role,
                groups,
                new RaftConfigSync(groups, self),
                peers,
                pool,
                agentDriver,
                emergency,
                switching,
                this::serviceAddress);
        this.ha = new HaMonitor(self, haBridge, config.ha());
        this.monitor = new Monitor(
                config,
                scheduler,
                role,
                groups,
                watch,
                master,
                slave,
                new LeaderLoss(self, peers, groups, this::poolState),
                generations,
                halfPool,
                ha::surviving);
        role.listen(this::roleChanged);
        groups.onBatch(config.metrics()::batch);
        config.metrics().bind(new Probe());
    }

    /** What the gauges read: the member's state now. */
    private final class Probe implements MemberProbe {
        @Override
        public MemberRole role() {
            return RatisPoolMember.this.role();
        }

        @Override
        public Optional<RaftGroups.Progress> raft() {
            return groups.progress();
        }

        @Override
        public AppliedState applied() {
            return RatisPoolMember.this.applied();
        }

        @Override
        public HaMonitor.Status ha() {
            return ha.status();
        }
    }

    /** Duties start and stop with the state (Proxmox {@code set_local_status}). */
    private void roleChanged(RoleState.Change change) {
        if (change.from() == MemberState.MASTER) {
            master.stop();
        }
        if (change.to() == MemberState.MASTER) {
            master.start();
        }
        if ((change.to() == MemberState.SLAVE || change.to() == MemberState.MASTER) && agentDriver.fenced()) {
            // Re-admitted after a fence: the agent acts again, from the new copy.
            agentDriver.enable(groups.applied());
        }
    }

    /** Listens to role changes (tests, metrics): every move, in order, on the thread that made it. */
    public void onRoleChange(Consumer<RoleState.Change> listener) {
        role.listen(listener);
    }

    /** The member's state. */
    public MemberState state() {
        return role.get();
    }

    private PoolState poolState() {
        return applied().state();
    }

    @Override
    public void start() {
        switching.lock();
        try {
            if (role.get() == MemberState.CLOSED) {
                throw new IllegalStateException("member " + config.hostId() + " is closed: a closed member is not"
                        + " started again; build a new member on the same storage directory (" + config.storage()
                        + ")");
            }
            if (role.get() != MemberState.STARTING || service != null) {
                throw new IllegalStateException("member " + config.hostId() + " is already started");
            }
            service = serve.apply(this);
            servicePort = service.port();
            groups.start(config.host(), config.raftPort(), config.faults());
            Optional<MembershipFile> stored = groups.stored();
            if (stored.isPresent()) {
                groups.resume(stored.get());
                inPool("resumed generation " + stored.get().generation());
            } else if (config.createPool().isPresent()) {
                inPool("founding a pool");
                membership.create(config.createPool().get());
            } else if (config.joinAddress().isPresent()) {
                membership.join(config.joinAddress().get(), 0);
                inPool("joined the pool at " + config.joinAddress().get());
            } else {
                throw new IllegalStateException("no pool stored in " + config.storage() + ": createPool or joinPool");
            }
            agentDriver.enable(applied());
            scheduler.every(monitor.period(), monitor::tick);
            scheduler.every(HaMonitor.period(), ha::tick);
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

    private void inPool(String why) {
        role.move(EnumSet.of(MemberState.STARTING), MemberState.NO_MASTER, why);
    }

    private void leaveStaleGroup() {
        emergency.leaveStaleGroup();
    }

    private void leavePool() {
        emergency.leavePool();
    }

    // --- the Raft state machine's events (apply thread: quick, never call Ratis here)

    private final class ApplyEvents implements ApplyListener {
        @Override
        public void applied(long logIndex, List<AppliedCommand> commands, AppliedState after) {
            events.append(commands);
            pool.applied(commands, after);
            agentDriver.applied(commands, after);
            master.applied(commands, after);
        }

        @Override
        public void leaderReady() {
            role.move(RoleState.FOLLOWING, MemberState.MASTER, "Raft leader");
        }

        @Override
        public void leaderChanged() {
            config.metrics().leaderChanged();
        }

        @Override
        public void elected() {
            generations.elected();
        }

        @Override
        public void notLeader() {
            generations.leadershipEnded();
            role.move(EnumSet.of(MemberState.MASTER), MemberState.NO_MASTER, "no longer Raft leader");
        }

        @Override
        public void opened(String groupId) {
            events.open(groupId);
        }

        @Override
        public void beforeSnapshot() {
            events.sync();
        }

        @Override
        public void reloaded(AppliedState after) {
            events.reloaded(after.sequence());
            agentDriver.reloaded(after);
            pool.applied(List.of(), after);
        }

        @Override
        public void beforeWrite() throws IOException {
            generations.beforeWrite();
        }
    }

    // --- used by MemberPool

    CommandBatcher batcher() {
        checkWritable();
        return groups.batcher();
    }

    void checkWritable() {
        role.checkWritable(generation());
    }

    RaftGroups groups() {
        return groups;
    }

    EventLog events() {
        return events;
    }

    MemberConfig config() {
        return config;
    }

    // --- PoolMember and MemberService

    @Override
    public AppliedState applied() {
        return role.get() == MemberState.STANDALONE ? AppliedState.empty() : groups.applied();
    }

    @Override
    public String raftAddress() {
        return config.raftAddress();
    }

    @Override
    public LogPosition logPosition() {
        return groups.logPosition();
    }

    /** The Raft leader this member follows (or is), as its Raft server knows it; for diagnostics and tests. */
    public Optional<HostId> raftLeader() {
        return groups.leaderId();
    }

    /** This member's current Raft term; 0 in no group. For diagnostics and tests. */
    public long raftTerm() {
        return groups.progress().map(RaftGroups.Progress::term).orElse(0L);
    }

    /** The hosts of this member's current Raft configuration (voters, then listeners), for diagnostics and tests. */
    public List<HostId> raftPeers() {
        return groups.peers();
    }

    @Override
    public String serviceAddress() {
        return servicePort == 0 ? config.serviceAddress() : config.host() + ":" + servicePort;
    }

    @Override
    public HostId hostId() {
        return config.hostId();
    }

    @Override
    public MemberRole role() {
        return role.get().role();
    }

    @Override
    public boolean fenceComplete() {
        return role.get() == MemberState.FENCED && agentDriver.fenceComplete();
    }

    @Override
    public boolean isInEmergencyMode() {
        return role.get().emergency();
    }

    @Override
    public long generation() {
        return applied().state().pool().map(p -> p.generation()).orElse(0L);
    }

    /** The newer generation this member learned of, or 0. */
    public long staleBy() {
        return role.staleBy();
    }

    @Override
    public MemberPool pool() {
        return pool;
    }

    @Override
    public CompletableFuture<ResultCodec.Reply> submit(PoolCommand command) {
        return pool.submit(command);
    }

    @Override
    public <T> T together(Supplier<T> submits) {
        CommandBatcher batcher;
        try {
            batcher = groups.batcher();
        } catch (RuntimeException noGroup) {
            return submits.get(); // each submit says why it cannot be written
        }
        return batcher.together(submits);
    }

    @Override
    public CompletableFuture<AppliedState> readLinearizable() {
        return pool.readState();
    }

    @Override
    public Subscription watch(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
        return pool.watch(fromToken, listener, onError);
    }

    @Override
    public CompletableFuture<Void> designateNewMaster(HostId host) {
        return pool.designateNewMaster(host);
    }

    @Override
    public CompletableFuture<HostRole> join(
            Operation.HostSpec host, String raftAddress, long generation, String joinToken) {
        return membership.accept(host, raftAddress, generation, joinToken);
    }

    @Override
    public Heartbeat.Answer onHeartbeat(Heartbeat beat) {
        return heartbeats.onHeartbeat(beat, scheduler.nanos(), role.staleBy());
    }

    @Override
    public void onHaHeartbeat(HaBeat beat) {
        ha.onBeat(beat);
    }

    /** Whether this member's HA loop is armed (pool HA on, member in its pool's Raft group). */
    public boolean haArmed() {
        return ha.armed();
    }

    /**
     * Pool HA on this member as of its last HA tick: armed or not, the liveset's size, whether it is in a surviving
     * partition, and while it is not, how long until it fences itself. A member outside every surviving partition is
     * on its way to a self-fence unless it hears enough of the pool again.
     */
    public HaMonitor.Status haStatus() {
        return ha.status();
    }

    /**
     * Whether HA is armed here and every live host has reported the liveset this member holds (see
     * {@link HaMonitor#livesetAgreed}); tests wait for it after a re-admission before the next fault.
     */
    public boolean haLivesetAgreed() {
        return ha.livesetAgreed();
    }

    /** Planned master change: Raft leadership transfer (blocking, so off the caller's thread). */
    CompletableFuture<Void> transferLeadership(HostId target) {
        return CompletableFuture.runAsync(() -> {
            try {
                groups.transferLeadership(target);
            } catch (IOException | RuntimeException e) {
                throw PoolException.of(ErrorCode.NO_MASTER, List.of(target.toString()), e.getMessage());
            }
        });
    }

    @Override
    public void emergencyTransitionToMaster() {
        emergency.transitionToMaster();
    }

    @Override
    public void emergencyResetMaster(String masterAddress) {
        emergency.resetMaster(masterAddress);
    }

    @Override
    public List<HostId> recoverSlaves() {
        return emergency.recoverSlaves(poolState().hosts().values());
    }

    @Override
    public void close() {
        switching.lock();
        try {
            if (role.get() == MemberState.CLOSED) {
                return;
            }
            if (ha.armed()) {
                new ArmedShutdown(
                                config.hostId(),
                                groups,
                                agentDriver,
                                config.timeouts().requestTimeout())
                        .run(ha::tick, scheduler::close, slave::goodbye);
            } else if (role.get() == MemberState.SLAVE || role.get() == MemberState.NO_MASTER) {
                // A clean shutdown: the master marks this host dead at once instead of after the timeout. Ticks
                // stop first, so no heartbeat follows the goodbye.
                scheduler.close();
                slave.goodbye(config.timeouts().requestTimeout());
            }
            closeNow(true);
        } finally {
            switching.unlock();
        }
    }

    /**
     * Stops at once, as a crash would look to the others: no goodbye heartbeat. Commands in flight fail at once
     * (their outcome is unknown); then the Raft server stops, which may take a few seconds while Ratis drains its
     * channels. For tests and for embedders that must stop without a word (the host is being fenced).
     */
    @Override
    public void kill() {
        // Callers first, even while a procedure holds the lock: what is in flight fails now.
        pool.close();
        groups.failInFlight();
        switching.lock();
        try {
            closeNow(false);
        } finally {
            switching.unlock();
        }
    }

    private void closeNow(boolean clean) {
        if (role.get() == MemberState.CLOSED) {
            return;
        }
        role.force(MemberState.CLOSED, clean ? "closed" : "killed");
        scheduler.close();
        halfPool.close();
        haBridge.close();
        agentDriver.close();
        // Callers first: a command in flight fails now, not after the slow Raft close.
        pool.close();
        if (!clean && service != null) {
            // A crash closes every socket at once: the others see this member's service refuse now, not after the
            // seconds Raft's close can take to drain its channels (their quick election watches this port).
            service.close();
        }
        groups.close();
        // After the Raft server: nothing applies any more. Not forced to disk (a kill is a crash; close's snapshot-free
        // tail is re-applied from the log on restart).
        events.close();
        if (clean && service != null) {
            service.close();
        }
        peers.close();
        config.metrics().close();
        LOG.debug("member {} closed ({})", config.hostId(), clean ? "clean" : "abrupt");
    }
}
