package io.poolkeeper.cli;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.ratis.RatisPoolMember;
import io.poolkeeper.testing.HypervisorWorld;
import io.poolkeeper.testing.SimulatedHypervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Real pool members in this JVM for CLI tests: Raft and gRPC on loopback with system-chosen ports, simulated
 * hypervisors sharing one world.
 */
final class InProcessPool implements AutoCloseable {
    static final long HOST_MEMORY = 16L << 30;
    static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(200),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofMillis(300),
            Duration.ofMillis(600),
            Duration.ofSeconds(5));

    final HypervisorWorld world = new HypervisorWorld();
    final List<PoolMember> members = new ArrayList<>();
    final List<HostId> hosts = new ArrayList<>();

    /** Starts {@code size} members: the first creates the pool, the others join it. */
    InProcessPool(Path dir, int size) {
        for (int i = 1; i <= size; i++) {
            HostId host = HostId.of(String.format("%08d-0000-4000-8000-00000000000%d", i, i));
            PoolMember.Builder b = PoolMember.builder()
                    .hostUuid(host)
                    .nameLabel("host" + i)
                    .listenAddress("127.0.0.1:0")
                    .storageDirectory(dir.resolve("host" + i))
                    .memoryTotal(HOST_MEMORY)
                    .timeouts(TIMEOUTS)
                    .hostAgent(new SimulatedHypervisor(host, HOST_MEMORY, world));
            b = i == 1 ? b.createPool("cli-test") : b.joinPool(address(members.get(0)));
            PoolMember member = b.build();
            members.add(member);
            hosts.add(host);
            member.start();
        }
    }

    /** The member's PoolService address: PoolMember does not expose it, the Ratis implementation does. */
    static String address(PoolMember member) {
        return ((RatisPoolMember) member).serviceAddress();
    }

    List<String> addresses() {
        return members.stream().map(InProcessPool::address).toList();
    }

    @Override
    public void close() {
        members.forEach(PoolMember::close);
    }
}
