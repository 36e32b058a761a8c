package io.poolkeeper.ratis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower keeps its Raft channel to the other follower proven while it follows ({@link VoterChannels}): a quick
 * election then asks for votes on that open channel instead of building one. Three real Raft servers on loopback; a
 * follower whose peer stops stops counting that channel as proven, and a listener proves nothing.
 */
@Timeout(60)
class VoterChannelsTest {
    private static final String POOL = "c0ffee00-0000-4000-8000-000000000000";

    @TempDir
    Path dir;

    private final List<RaftGroups> members = new ArrayList<>();
    private final List<HostId> hosts = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();

    @AfterEach
    void close() {
        members.forEach(RaftGroups::close);
    }

    @Test
    void aFollowerProvesItsChannelToTheOtherFollowerWhileItFollowsAndNotOnceThatPeerStops() throws IOException {
        RaftGroups leader = member(1);
        leader.found(POOL, 1);
        RaftGroups follower = member(2);
        RaftGroups other = member(3);
        await().atMost(Duration.ofSeconds(20)).until(() -> leader.leaderId().equals(Optional.of(hosts.get(0))));
        for (int i = 1; i < 3; i++) {
            members.get(i).enter(POOL, 1);
            leader.addPeer(hosts.get(i), addresses.get(i), HostRole.VOTER);
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> follower.leaderId().equals(Optional.of(hosts.get(0)))
                        && other.leaderId().equals(Optional.of(hosts.get(0))));
        assertFalse(follower.channelProven(hosts.get(2)), "nothing asked yet");

        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    follower.keepChannelsToVoters(hosts.get(0));
                    return follower.channelProven(hosts.get(2));
                });
        // The master it follows is not asked: an election follows that one's loss.
        assertFalse(follower.channelProven(hosts.get(0)));

        other.close();
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    follower.keepChannelsToVoters(hosts.get(0));
                    return !follower.channelProven(hosts.get(2));
                });
    }

    @Test
    void aListenerAsksNoVoter() throws IOException {
        RaftGroups leader = member(1);
        leader.found(POOL, 1);
        RaftGroups voter = member(2);
        RaftGroups listener = member(3);
        await().atMost(Duration.ofSeconds(20)).until(() -> leader.leaderId().equals(Optional.of(hosts.get(0))));
        voter.enter(POOL, 1);
        leader.addPeer(hosts.get(1), addresses.get(1), HostRole.VOTER);
        listener.enter(POOL, 1);
        leader.addPeer(hosts.get(2), addresses.get(2), HostRole.LISTENER);
        await().atMost(Duration.ofSeconds(20)).until(() -> listener.leaderId().equals(Optional.of(hosts.get(0))));
        // A listener never stands for election, and a voter asks only the other voters (here none but the leader).
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> {
            listener.keepChannelsToVoters(hosts.get(0));
            voter.keepChannelsToVoters(hosts.get(0));
            return !listener.channelProven(hosts.get(1)) && !voter.channelProven(hosts.get(2));
        });
    }

    private RaftGroups member(int index) throws IOException {
        HostId host = HostId.of(String.format("%08d-0000-4000-8000-000000000000", index));
        int port = freePort();
        RaftGroups groups = new RaftGroups(
                host,
                "127.0.0.1:" + port,
                dir.resolve("m" + index),
                MemberTimeouts.defaults(),
                (logIndex, commands, after) -> {},
                Optional.empty(),
                1024);
        members.add(groups);
        hosts.add(host);
        addresses.add("127.0.0.1:" + port);
        groups.start("127.0.0.1", port, Optional.empty());
        return groups;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
