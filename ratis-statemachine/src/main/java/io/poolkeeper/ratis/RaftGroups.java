package io.poolkeeper.ratis;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.port.LinkFilter;
import io.poolkeeper.port.LogPosition;
import io.poolkeeper.tls.TlsCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft side of one member: its Raft server, and the one Raft group of the pool generation it takes part in, with
 * that group's state machine, client and group-commit batcher. Groups are added (founded, joined, or recovered from
 * disk) and dropped (renamed aside, or deleted when the host leaves the pool); a pool's generation is its group
 * ({@link RaftSettings#groupId}). Knows nothing of the member runtime: it is told what to do.
 *
 * <p>Thread-safe for reads; group changes are serialized by the caller.
 */
public final class RaftGroups implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftGroups.class);

    /** The Raft group this member currently takes part in, with its client and batcher. */
    private record Group(RaftGroupId id, RenewingClient client, LeaderShortcut shortcut, CommandBatcher batcher) {
        void closeClient() {
            shortcut.close();
            client.close();
        }
    }

    private final HostId self;
    private final String raftAddress;
    private final Path storage;
    /** Log entries between snapshots. */
    private final long snapshotEvery;

    private final MemberTimeouts timeouts;
    private final ApplyListener listener;
    private final Optional<TlsCredentials> tls;
    /** Raft's transport settings (TLS, the link filter), shared by the server and the member's Raft clients. */
    private final Parameters parameters = new Parameters();

    private volatile RaftServer server;
    private volatile IntConsumer batchSizes = size -> {};
    private volatile PoolStateMachine stateMachine;
    private volatile Group group;
    /** The group this member left without removing its data (HA self-fence), until set aside. */
    private volatile RaftGroupId left;

    private final VoterChannels voterChannels = new VoterChannels();

    public RaftGroups(
            HostId self,
            String raftAddress,
            Path storage,
            MemberTimeouts timeouts,
            ApplyListener listener,
            Optional<TlsCredentials> tls,
            long snapshotEvery) {
        this.self = self;
        this.snapshotEvery = snapshotEvery;
        this.raftAddress = raftAddress;
        this.storage = storage;
        this.timeouts = timeouts;
        this.listener = listener;
        this.tls = tls;
    }

    /** Starts the Raft server; groups found on disk are recovered. */
    public void start(String host, int raftPort, Optional<LinkFilter> faults) throws IOException {
        // A bind failure would otherwise call System.exit and take the embedding JVM down.
        RatisExit.disableSystemExit();
        tls.ifPresent(credentials -> GrpcConfigKeys.TLS.setConf(
                parameters,
                // Only members talk Raft: a client certificate of the pool must not reach the log around
                // PoolService's checks.
                new GrpcTlsConfig(
                        credentials.keyManager(), MemberOnlyTrustManager.of(credentials.trustManager()), true)));
        faults.ifPresent(f ->
                GrpcConfigKeys.Server.setServicesCustomizer(parameters, RaftLinkFilter.customizer(f, self.toString())));
        server = RaftServer.newBuilder()
                .setServerId(selfId())
                .setProperties(RaftSettings.server(storage, host, raftPort, timeouts, snapshotEvery))
                .setParameters(parameters)
                .setStateMachineRegistry(gid -> {
                    // A new state machine per group: Ratis cannot re-initialize one.
                    stateMachine = new PoolStateMachine(listener, this::leaderSeen);
                    return stateMachine;
                })
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
    }

    /** The pool and generation stored on disk, if this member is in a pool. */
    public Optional<MembershipFile> stored() {
        return MembershipFile.read(storage);
    }

    /** Recovers the stored generation's group (its configuration is on disk). */
    public void resume(MembershipFile membership) throws IOException {
        add(RaftGroup.valueOf(RaftSettings.groupId(membership.poolUuid(), membership.generation())));
    }

    /** Founds a pool generation with this member as its only voter, and records it on disk. */
    public void found(String poolUuid, long generation) throws IOException {
        add(RaftGroup.valueOf(RaftSettings.groupId(poolUuid, generation), selfPeer()));
        new MembershipFile(poolUuid, generation).write(storage);
    }

    /** Takes part in an existing generation as a new, empty member: the leader sends it the log or a snapshot. */
    public void enter(String poolUuid, long generation) throws IOException {
        add(RaftGroup.valueOf(RaftSettings.groupId(poolUuid, generation)));
    }

    /** Records on disk the generation entered with {@link #enter}, once the pool accepted this member. */
    public void remember(String poolUuid, long generation) throws IOException {
        new MembershipFile(poolUuid, generation).write(storage);
    }

    private void add(RaftGroup raftGroup) throws IOException {
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
        // Ratis creates a division's state machine lazily, on first touch: this creates it now.
        List<RaftPeer> clientPeers = new ArrayList<>(raftGroup.getPeers());
        RaftConfiguration conf = server.getDivision(raftGroup.getGroupId()).getRaftConf();
        if (clientPeers.isEmpty()) {
            clientPeers.addAll(conf.getCurrentPeers());
        }
        if (clientPeers.isEmpty()) {
            clientPeers.add(selfPeer());
        }
        RaftGroupId id = raftGroup.getGroupId();
        RenewingClient client = new RenewingClient(leader -> newClient(id, clientPeers, leader));
        LeaderShortcut shortcut = new LeaderShortcut(server, raftGroup.getGroupId(), selfId(), client);
        CommandBatcher batcher = new CommandBatcher(shortcut::send, size -> batchSizes.accept(size));
        group = new Group(raftGroup.getGroupId(), client, shortcut, batcher);
    }

    /**
     * A Raft client of group {@code id} aimed at {@code leader} (null: no guess), knowing the group's current voters
     * ({@code initial} when the configuration has none yet): a client asked to aim at a peer it does not know fails.
     */
    private RaftClient newClient(RaftGroupId id, List<RaftPeer> initial, RaftPeerId leader) {
        List<RaftPeer> peers = new ArrayList<>(initial);
        try {
            List<RaftPeer> voters =
                    new ArrayList<>(server.getDivision(id).getRaftConf().getCurrentPeers());
            if (!voters.isEmpty()) {
                peers = voters;
            }
        } catch (IOException e) {
            // the group is going away: the initial peers do for a client about to be closed
        }
        boolean known = leader != null && peers.stream().anyMatch(p -> p.getId().equals(leader));
        return RaftClient.newBuilder()
                .setRaftGroup(RaftGroup.valueOf(id, peers))
                .setLeaderId(known ? leader : null)
                .setProperties(RaftSettings.client(timeouts))
                .setRetryPolicy(RaftSettings.retryPolicy(timeouts))
                .setParameters(parameters)
                .build();
    }

    /** This member's Raft server learned of a new leader of group {@code id}: the member's client aims at it. */
    private void leaderSeen(RaftGroupId id, RaftPeerId leader) {
        Group g = group;
        if (g != null && g.id().equals(id)) {
            g.client().leaderChanged(leader);
        }
    }

    /**
     * Leaves the current group: fails the commands in flight, closes its client, and removes it from the server —
     * renamed aside (kept for forensics and a later reset) or, when this host left the pool, deleted with the
     * membership record.
     */
    public void drop(boolean leavePool) {
        setAsideLeft();
        remove(leavePool, !leavePool);
        if (leavePool) {
            MembershipFile.delete(storage);
            stateMachine = null;
        }
    }

    /**
     * Stops taking part in the current group but leaves its data where it is (HA self-fence): a restart resumes it,
     * with the copy and the pool it names, so the master can recognize the host and bring it back.
     */
    public void leave() {
        Group g = group;
        remove(false, false);
        if (g != null) {
            left = g.id();
        }
    }

    /**
     * The data of a group this member {@link #leave left} is moved where Ratis moves removed groups, so that the
     * generation can be entered again afresh (Ratis refuses to format a directory that exists).
     */
    private void setAsideLeft() {
        RaftGroupId id = left;
        left = null;
        if (id == null) {
            return;
        }
        Path dir = storage.resolve("raft").resolve(id.getUuid().toString());
        Path aside = storage.resolve("raft-removed").resolve(id.getUuid() + "-left-" + System.currentTimeMillis());
        try {
            if (Files.exists(dir)) {
                Files.createDirectories(aside.getParent());
                Files.move(dir, aside);
            }
        } catch (IOException e) {
            LOG.warn("could not set aside the data of Raft group {}: {}", id, e.toString());
        }
    }

    private void remove(boolean delete, boolean rename) {
        Group g = group;
        group = null;
        if (g != null) {
            g.batcher().close();
            g.closeClient();
            try {
                RaftClientReply reply = server.groupManagement(
                        GroupManagementRequest.newRemove(ClientId.randomId(), selfId(), 0, g.id(), delete, rename));
                if (!reply.isSuccess()) {
                    LOG.warn("removing Raft group {} failed: {}", g.id(), reply.getException());
                }
            } catch (IOException e) {
                LOG.warn("removing Raft group {} failed: {}", g.id(), e.toString());
            }
        }
    }

    /** Fails the commands in flight in the current group at once, and every later one (the member is stopping). */
    public void failInFlight() {
        Group g = group;
        if (g != null) {
            g.batcher().close();
        }
    }

    /** Whether this member takes part in a group now. */
    public boolean inGroup() {
        return group != null;
    }

    /**
     * The state applied by the current group's state machine; after the group was dropped aside, the last one it
     * applied (a stale member still serves local reads of it); empty once this host left the pool.
     */
    public AppliedState applied() {
        PoolStateMachine sm = stateMachine;
        return sm == null ? AppliedState.empty() : sm.current();
    }

    /** The whole local copy, the log tail included, committed or not (DESIGN §5); see the state machine. */
    public AppliedState appliedWithLogTail() throws IOException {
        Group g = requireGroup();
        return stateMachine.withLogTail(server.getDivision(g.id()).getRaftLog());
    }

    /** The current group's batcher: the way writes go in. */
    public CommandBatcher batcher() {
        return requireGroup().batcher();
    }

    /** An admin call on the current group's client. */
    <T> T admin(RenewingClient.AdminCall<T> call) throws IOException {
        return requireGroup().client().admin(call);
    }

    /**
     * The pool after a Raft read index: reflects every write acknowledged before the call. In no group the future
     * fails (MEMBER_NOT_RUNNING); the call never throws, so a caller on a pool thread does not die of a group dropped
     * under it (an ejection during the agent's catch-up did, failing SlaveFailureTest).
     */
    public CompletableFuture<AppliedState> readLinearizable() {
        Group g = group;
        if (g == null) {
            return CompletableFuture.failedFuture(notRunning());
        }
        return g.client().sendReadOnly(PoolStateMachine.READ_STATE).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw PoolException.of(ErrorCode.NO_QUORUM, List.of(), String.valueOf(reply.getException()));
            }
            return PoolStateMachine.decodeState(reply.getMessage());
        });
    }

    private Group requireGroup() {
        Group g = group;
        if (g == null) {
            throw notRunning();
        }
        return g;
    }

    private static PoolException notRunning() {
        return PoolException.of(ErrorCode.MEMBER_NOT_RUNNING, List.of(), "member is not running: in no Raft group");
    }

    /** The leader of the current group as this member knows it. */
    public Optional<HostId> leaderId() {
        return division().leaderId();
    }

    /**
     * Starts an election now if this member is a voter that follows {@code leader}, whose process is known to be gone
     * ({@link LeaderLossElection}); returns whether it did.
     */
    public boolean electInsteadOf(HostId leader) {
        Group g = group;
        if (g == null || server == null) {
            return false;
        }
        try {
            return LeaderLossElection.start(
                    server, g.id(), selfId(), RaftPeerId.valueOf(leader.toString()), voterChannels::fresh);
        } catch (IOException | RuntimeException e) {
            LOG.debug("no election instead of {}: {}", leader, e.toString());
            return false;
        }
    }

    /**
     * Keeps this member's Raft channels to the voters other than itself and {@code leader} open and proven, for a
     * quick election ({@link VoterChannels}); called while it follows {@code leader}. A listener, which never
     * stands, asks nothing.
     */
    public void keepChannelsToVoters(HostId leader) {
        Group g = group;
        RaftServer s = server;
        List<HostId> voters = voters();
        if (g == null || s == null || !voters.contains(self)) {
            return;
        }
        for (HostId voter : voters) {
            if (!voter.equals(self) && !voter.equals(leader)) {
                voterChannels.ping(s, g.id(), selfId(), RaftPeerId.valueOf(voter.toString()));
            }
        }
    }

    /** Whether this member's Raft channel to {@code host} answered a moment ago ({@link VoterChannels}). */
    boolean channelProven(HostId host) {
        return voterChannels.fresh(RaftPeerId.valueOf(host.toString()));
    }

    /** The current group's configuration; empty when in no group. */
    public Optional<RaftConfiguration> configuration() {
        return division().configuration();
    }

    /** The hosts of the current configuration: voters, then listeners. */
    public List<HostId> peers() {
        return division().peers();
    }

    /** The voters of the current configuration. */
    public List<HostId> voters() {
        return division().voters();
    }

    /** The place of the last entry of this member's log, committed or not; {@link LogPosition#NONE} in no group. */
    public LogPosition logPosition() {
        return division().logPosition();
    }

    /** This member's division of the current group, as far as there is one. */
    private DivisionView division() {
        Group g = group;
        return DivisionView.of(server, g == null ? null : g.id());
    }

    /**
     * Raft's numbers of the current group, as this member's division has them (for metrics).
     *
     * @param term the current term
     * @param commitIndex the last committed log index
     * @param appliedIndex the last log index applied to the state machine
     */
    public record Progress(long term, long commitIndex, long appliedIndex) {}

    /** Raft's numbers of the current group; empty in no group (or while the division is not there). */
    public Optional<Progress> progress() {
        return division().progress();
    }

    /** Told the number of commands of every log entry the batchers send (metrics); replaces the previous one. */
    public void onBatch(IntConsumer sizes) {
        this.batchSizes = sizes;
    }

    /** The Raft address of {@code host} in the current configuration, as voter or listener; empty if not a peer. */
    public Optional<String> peerAddress(HostId host) {
        return configuration()
                .map(c -> c.getPeer(RaftPeerId.valueOf(host.toString()), RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER))
                .map(RaftPeer::getAddress);
    }

    /**
     * Adds a host the pool accepted to the configuration: a voter, or a listener when the pool made it one. A host
     * already there at that address in that role is left as it is (a joiner asking again after its answer was lost).
     */
    public void addPeer(HostId host, String address, HostRole role) throws IOException {
        RaftPeer peer = RaftPeer.newBuilder()
                .setId(host.toString())
                .setAddress(address)
                .setStartupRole(role.votes() ? RaftPeerRole.FOLLOWER : RaftPeerRole.LISTENER)
                .build();
        RaftConfiguration conf =
                configuration().orElseThrow(() -> new IOException("in no Raft group: cannot add " + host));
        RaftPeer there = conf.getPeer(peer.getId(), role.votes() ? RaftPeerRole.FOLLOWER : RaftPeerRole.LISTENER);
        if (there != null
                && there.getAddress().equals(address)
                && conf.getPreviousPeers().isEmpty()) {
            return;
        }
        SetConfigurationRequest.Arguments.Builder args = SetConfigurationRequest.Arguments.newBuilder();
        if (role.votes()) {
            args.setMode(SetConfigurationRequest.Mode.ADD).setServersInNewConf(List.of(peer));
        } else {
            // The whole configuration, compared and set: Ratis 3.3.0's ADD of a listener replaced the listeners there
            // were instead of adding to them, so each listener joining pushed the one before out of the group (a
            // pool could hold one listener: 5 voters and a sixth host).
            List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
            List<RaftPeer> listeners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
            List<RaftPeer> newListeners = new ArrayList<>();
            listeners.stream()
                    .filter(p -> !p.getId().equals(peer.getId()))
                    .map(p -> RaftConfigSync.asRole(p, false))
                    .forEach(newListeners::add);
            newListeners.add(peer);
            args.setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                    .setServersInCurrentConf(voters)
                    .setListenersInCurrentConf(listeners)
                    .setServersInNewConf(voters)
                    .setListenersInNewConf(newListeners);
        }
        RaftClientReply reply = admin(a -> a.setConfiguration(args.build()));
        if (!reply.isSuccess()) {
            throw new IOException("could not add " + host + " to the Raft group", reply.getException());
        }
    }

    /** Planned leader change; returns once Raft reports it done. */
    public void transferLeadership(HostId target) throws IOException {
        RaftClientReply reply = admin(a -> a.transferLeadership(
                RaftPeerId.valueOf(target.toString()), timeouts.requestTimeout().toMillis()));
        if (!reply.isSuccess()) {
            throw new IOException("leadership transfer failed: " + reply.getException());
        }
    }

    private RaftPeerId selfId() {
        return RaftPeerId.valueOf(self.toString());
    }

    private RaftPeer selfPeer() {
        return RaftPeer.newBuilder()
                .setId(self.toString())
                .setAddress(raftAddress)
                .build();
    }

    /**
     * Fails the commands in flight at once, then stops the Raft server (which can take seconds: Ratis waits for its
     * channels to peers to drain), then the client.
     */
    @Override
    public void close() {
        Group g = group;
        if (g != null) {
            g.batcher().close();
        }
        closeQuietly(server);
        if (g != null) {
            g.closeClient();
        }
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
