package io.poolkeeper.ratis;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.core.PoolState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the Raft configuration follow the pool's members, on the leader: hosts gone from the pool (ejected,
 * forgotten) leave it, listeners the pool promoted become voters. Hosts are only ever added by a join. One change at
 * a time: while one is under way the next request looks again later.
 *
 * <p>Thread-safe; {@link #sync} blocks on Raft and must run off the apply thread.
 */
public final class RaftConfigSync {
    private static final Logger LOG = LoggerFactory.getLogger(RaftConfigSync.class);

    private final RaftGroups groups;
    private final HostId self;
    private final AtomicBoolean pending = new AtomicBoolean();

    public RaftConfigSync(RaftGroups groups, HostId self) {
        this.groups = groups;
        this.self = self;
    }

    /** Whether a sync should be scheduled now; false while one is already waiting to run. */
    public boolean request() {
        return pending.compareAndSet(false, true);
    }

    /** A requested sync that will not run (leadership lost meanwhile): the next request schedules one again. */
    public void skip() {
        pending.set(false);
    }

    /** Brings the configuration in line with {@code state}, the pool as this leader applied it. */
    public void sync(PoolState state) {
        pending.set(false);
        try {
            RaftConfiguration conf = groups.configuration().orElse(null);
            if (conf == null || !conf.getPreviousPeers().isEmpty()) {
                return; // in no group, or a change is under way; the next apply looks again
            }
            List<RaftPeer> voters = new ArrayList<>();
            List<RaftPeer> listeners = new ArrayList<>();
            List<RaftPeer> all = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
            all.addAll(conf.getCurrentPeers(RaftPeerRole.LISTENER));
            for (RaftPeer peer : all) {
                Host host = state.hosts().get(HostId.of(peer.getId().toString()));
                if (host != null) {
                    (host.role().votes() ? voters : listeners)
                            .add(asRole(peer, host.role().votes()));
                }
            }
            boolean same = voters.size()
                            == conf.getCurrentPeers(RaftPeerRole.FOLLOWER).size()
                    && listeners.size()
                            == conf.getCurrentPeers(RaftPeerRole.LISTENER).size()
                    && voters.stream().allMatch(p -> conf.getPeer(p.getId(), RaftPeerRole.FOLLOWER) != null);
            if (same || voters.stream().noneMatch(p -> p.getId().toString().equals(self.toString()))) {
                return;
            }
            LOG.info("Raft configuration follows the pool: voters {}, listeners {}", ids(voters), ids(listeners));
            RaftClientReply reply = setConfiguration(voters, listeners);
            if (!reply.isSuccess()) {
                LOG.warn("Raft configuration change failed: {}", reply.getException());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Raft configuration change failed: {}", e.toString());
        }
    }

    /**
     * Takes {@code host} out of the configuration (HA declared it fenced: it rejoins when re-admitted, with a fresh
     * copy, as a new peer). Blocks on Raft.
     *
     * @throws IOException if the change did not commit
     */
    public void remove(HostId host) throws IOException {
        RaftConfiguration conf = groups.configuration().orElse(null);
        if (conf == null || conf.getPeer(RaftPeerId.valueOf(host.toString())) == null) {
            return;
        }
        List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
        List<RaftPeer> listeners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
        voters.removeIf(p -> p.getId().toString().equals(host.toString()));
        listeners.removeIf(p -> p.getId().toString().equals(host.toString()));
        LOG.info("Raft configuration without fenced host {}: voters {}", host, ids(voters));
        RaftClientReply reply = setConfiguration(voters, listeners);
        if (!reply.isSuccess()) {
            throw new IOException("could not remove " + host + " from the Raft configuration", reply.getException());
        }
    }

    private RaftClientReply setConfiguration(List<RaftPeer> voters, List<RaftPeer> listeners) throws IOException {
        return groups.admin(a -> a.setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
                .setServersInNewConf(voters)
                .setListenersInNewConf(listeners)
                .setMode(SetConfigurationRequest.Mode.SET_UNCONDITIONALLY)
                .build()));
    }

    static RaftPeer asRole(RaftPeer peer, boolean votes) {
        return RaftPeer.newBuilder()
                .setId(peer.getId())
                .setAddress(peer.getAddress())
                .setAdminAddress(peer.getAdminAddress())
                .setClientAddress(peer.getClientAddress())
                .setDataStreamAddress(peer.getDataStreamAddress())
                .setPriority(peer.getPriority())
                .setStartupRole(votes ? RaftPeerRole.FOLLOWER : RaftPeerRole.LISTENER)
                .build();
    }

    private static List<String> ids(List<RaftPeer> peers) {
        return peers.stream().map(p -> p.getId().toString()).toList();
    }
}
