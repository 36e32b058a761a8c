package io.poolkeeper.ratis;

import java.io.IOException;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
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
 */
final class LeaderLossElection {
    private LeaderLossElection() {}

    /** Whether this member's Raft server became a candidate. */
    static boolean start(RaftServer server, RaftGroupId group, RaftPeerId self, RaftPeerId leader) throws IOException {
        RaftServer.Division division = server.getDivision(group);
        if (!division.getInfo().isFollower()
                || !leader.equals(division.getInfo().getLeaderId())) {
            return false;
        }
        TermIndex last = division.getRaftLog().getLastEntryTermIndex();
        if (last == null) {
            return false;
        }
        StartLeaderElectionRequestProto request = StartLeaderElectionRequestProto.newBuilder()
                .setServerRequest(RaftRpcRequestProto.newBuilder()
                        .setRequestorId(leader.toByteString())
                        .setReplyId(self.toByteString())
                        .setRaftGroupId(ProtoUtils.toRaftGroupIdProtoBuilder(group)))
                .setLeaderLastEntry(last.toProto())
                .build();
        return server.startLeaderElection(request).getServerReply().getSuccess();
    }
}
