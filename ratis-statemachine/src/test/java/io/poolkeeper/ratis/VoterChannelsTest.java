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
 * election then asks for votes on that open channel instead of building one. Four real Raft servers on loopback (three
 * voters, a listener); a follower whose peer stops stops counting that channel as proven; a listener asks nobody.
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
    void aFollowerProvesItsChannelsToTheOtherVotersWhileItFollowsAndNotOnceAPeerStops() throws IOException {
        pool(HostRole.VOTER, HostRole.VOTER, HostRole.LISTENER);
        HostId master = hosts.get(0);
        RaftGroups follower = members.get(1);
        RaftGroups other = members.get(2);
        RaftGroups listener = members.get(3);
        assertFalse(follower.channelProven(hosts.get(2)), "nothing asked yet");

        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    follower.keepChannelsToVoters(master);
                    listener.keepChannelsToVoters(master);
                    return follower.channelProven(hosts.get(2));
                });
        // The master it follows is not asked (an election follows that one's loss), nor is a listener; and a listener,
        // which never stands for election, asks nobody.
        assertFalse(follower.channelProven(master));
        assertFalse(follower.channelProven(hosts.get(3)));
        assertFalse(listener.channelProven(hosts.get(1)));
        assertFalse(listener.channelProven(hosts.get(2)));

        other.close();
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    follower.keepChannelsToVoters(master);
                    return !follower.channelProven(hosts.get(2));
                });
    }

    /** Host 1 founds the pool and leads; one more host joins it in each of {@code roles}. */
    private void pool(HostRole... roles) throws IOException {
        RaftGroups leader = member(1);
        leader.found(POOL, 1);
        for (int i = 0; i < roles.length; i++) {
            member(i + 2);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> leader.leaderId().equals(Optional.of(hosts.get(0))));
        for (int i = 1; i <= roles.length; i++) {
            members.get(i).enter(POOL, 1);
            leader.addPeer(hosts.get(i), addresses.get(i), roles[i - 1]);
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> members.stream().allMatch(m -> m.leaderId().equals(Optional.of(hosts.get(0)))));
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
