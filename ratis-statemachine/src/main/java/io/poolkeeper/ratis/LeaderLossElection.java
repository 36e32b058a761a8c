package io.poolkeeper.ratis;

import java.io.IOException;
import java.util.function.Predicate;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerRpcWithProxy;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.util.ProtoUtils;

/**
 * An election started at once by a follower that knows its leader's process is gone, instead of after Raft's
 * election timeout (300–600 ms by default, which a loaded 2-core machine needs to keep its leader).
 *
 * <p>Ratis has no call for it, but its leadership transfer has the step: the leader asks the transferee to start an
 * election now, skipping the pre-vote ({@code StartLeaderElection}). This hands the member's own Raft server that
 * request in the dead leader's name. The server checks it as it checks a transfer: the leader named must be the one
 * it follows in its current term, the server must be a follower, and the "leader's last entry" given (this server's
 * own) must not be ahead of its log. Raft's safety does not depend on when an election starts: a candidate whose log
 * is behind gets no votes, and the others' timers still run.
 *
 * <p>Before it asks for votes, the server's channels to the other voters are replaced by new ones. A channel that
 * failed to reach a voter (killed in an earlier failover, restarted since) retries on gRPC's reconnect backoff, 1 s
 * growing to 2 minutes, and in between fails every request at once: a follower, which sends the other followers
 * nothing, can hold such a channel long after the voter is back, and its vote request then fails unsent, and the
 * election with it, leaving the pool to the election timeout (a 1,150 ms failover, session 21; 4.5–9 s in
 * {@code LeaderLossTest}). Ratis's leader resets its channels' backoff when it retries a follower; its elections do
 * not, and a reset of the backoff alone is not seen by a request sent right after it. A new channel connects on
 * the vote request itself. A channel that answered a moment ago ({@link VoterChannels}) is kept: the new one's
 * connection set-up would come on the failover's path.
 */
final class LeaderLossElection {
    private LeaderLossElection() {}

    /**
     * Whether this member's Raft server became a candidate. {@code keep} names the peers whose channels answered a
     * moment ago ({@link VoterChannels}): those are kept, the others replaced.
     */
    static boolean start(
            RaftServer server, RaftGroupId group, RaftPeerId self, RaftPeerId leader, Predicate<RaftPeerId> keep)
            throws IOException {
        RaftServer.Division division = server.getDivision(group);
        if (!division.getInfo().isFollower()
                || !leader.equals(division.getInfo().getLeaderId())) {
            return false;
        }
        TermIndex last = division.getRaftLog().getLastEntryTermIndex();
        if (last == null) {
            return false;
        }
        reconnect(server, division, self, leader, keep);
        StartLeaderElectionRequestProto request = StartLeaderElectionRequestProto.newBuilder()
                .setServerRequest(RaftRpcRequestProto.newBuilder()
                        .setRequestorId(leader.toByteString())
                        .setReplyId(self.toByteString())
                        .setRaftGroupId(ProtoUtils.toRaftGroupIdProtoBuilder(group)))
                .setLeaderLastEntry(last.toProto())
                .build();
        return server.startLeaderElection(request).getServerReply().getSuccess();
    }

    private static void reconnect(
            RaftServer server,
            RaftServer.Division division,
            RaftPeerId self,
            RaftPeerId leader,
            Predicate<RaftPeerId> keep) {
        if (!(server.getServerRpc() instanceof RaftServerRpcWithProxy<?, ?> rpc)) {
            return;
        }
        for (RaftPeer peer : division.getRaftConf().getAllPeers()) {
            if (!peer.getId().equals(self) && !peer.getId().equals(leader) && !keep.test(peer.getId())) {
                rpc.getProxies().resetProxy(peer.getId());
            }
        }
    }
}
