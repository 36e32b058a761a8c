package io.poolkeeper.ratis;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.client.impl.ClientProtoUtils;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.ProtoUtils;

/**
 * Keeps a follower's Raft channels to the other followers connected, so that the vote requests of a quick election
 * ({@link LeaderLossElection}) go out on a connection that is already open and known to answer.
 *
 * <p>A follower sends the other followers nothing: its channel to them is built by the election itself, a connection
 * set-up (and, in a member restarted a moment ago, code not yet compiled) on the failover's path, measured at up to
 * 170 ms of a 675 ms failover on a loaded two-core machine. So while it follows, the member asks each other voter for
 * a read index about once a second: a follower answers at once that it is not the leader, changing nothing, and the
 * answer proves the channel. A peer whose last ask was answered, within the last three seconds, keeps its channel at
 * the election; any other gets a new one (a channel that failed to reach it waits out gRPC's reconnect backoff).
 *
 * <p>Thread-safe.
 */
final class VoterChannels {
    private static final long PING_EVERY_NANOS = 1_000_000_000L;
    private static final long FRESH_FOR_NANOS = 3_000_000_000L;

    /** Per peer: when it was last asked, and when it last answered ({@link System#nanoTime}). */
    private record Contact(long askedNanos, long answeredNanos) {}

    private static final ClientId CLIENT = ClientId.randomId();

    private final Map<RaftPeerId, Contact> contacts = new ConcurrentHashMap<>();

    /** Asks {@code peer} for a read index, unless it was asked less than {@link #PING_EVERY_NANOS} ago. */
    void ping(RaftServer server, RaftGroupId group, RaftPeerId self, RaftPeerId peer) {
        long now = System.nanoTime();
        Contact before = contacts.get(peer);
        if (before != null && now - before.askedNanos() < PING_EVERY_NANOS) {
            return;
        }
        long answered = before == null ? now - 2 * FRESH_FOR_NANOS : before.answeredNanos();
        contacts.put(peer, new Contact(now, answered));
        ReadIndexRequestProto request = ReadIndexRequestProto.newBuilder()
                .setServerRequest(RaftRpcRequestProto.newBuilder()
                        .setRequestorId(self.toByteString())
                        .setReplyId(peer.toByteString())
                        .setRaftGroupId(ProtoUtils.toRaftGroupIdProtoBuilder(group)))
                .setClientRequest(ClientProtoUtils.toRaftClientRequestProto(RaftClientRequest.newBuilder()
                        .setClientId(CLIENT)
                        .setServerId(peer)
                        .setGroupId(group)
                        .setCallId(0)
                        // A dummy read: should the peer be leader after all, it answers without reading anything.
                        .setType(RaftClientRequest.readRequestType(false, false, true))
                        .build()))
                .build();
        try {
            server.getServerRpc().async().readIndexAsync(request).whenComplete((reply, e) -> answered(peer, e == null));
        } catch (IOException | RuntimeException e) {
            answered(peer, false);
        }
    }

    /**
     * A failed ask unproves the channel at once, however recent its last answer: the attempt that failed may have put
     * it into gRPC's reconnect backoff, in which a vote request would fail unsent.
     */
    private void answered(RaftPeerId peer, boolean ok) {
        long now = System.nanoTime();
        contacts.computeIfPresent(peer, (p, c) -> new Contact(c.askedNanos(), ok ? now : now - 2 * FRESH_FOR_NANOS));
    }

    /**
     * Whether {@code peer} answered its last ask, within {@link #FRESH_FOR_NANOS}: its channel is open and need not be
     * replaced.
     */
    boolean fresh(RaftPeerId peer) {
        Contact c = contacts.get(peer);
        return c != null && System.nanoTime() - c.answeredNanos() < FRESH_FOR_NANOS;
    }
}
