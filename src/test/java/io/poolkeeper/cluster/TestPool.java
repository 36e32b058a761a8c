package io.poolkeeper.cluster;

import io.poolkeeper.agent.HypervisorWorld;
import io.poolkeeper.agent.SimulatedHypervisor;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.ratis.MemberBuilder;
import io.poolkeeper.ratis.RatisPoolMember;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A pool of real members in this JVM for tests: Ratis and gRPC on loopback, ports from {@link
 * io.poolkeeper.ratis.Ports}, one storage directory per member, simulated hypervisors sharing one world.
 */
final class TestPool implements AutoCloseable {
    static final long HOST_MEMORY = 16L << 30;
    static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(200),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofMillis(300),
            Duration.ofMillis(600),
            Duration.ofSeconds(5));

    final Path dir;
    final HypervisorWorld world = new HypervisorWorld();
    final List<RatisPoolMember> members = new ArrayList<>();
    final List<HostId> hosts = new ArrayList<>();
    final List<SimulatedHypervisor> hypervisors = new ArrayList<>();

    TestPool(Path dir) {
        this.dir = dir;
    }

    /** Starts a member that creates the pool (index 0) or joins the first member. */
    RatisPoolMember add() {
        int index = hosts.size();
        HostId host = HostId.of(String.format("%08d-0000-4000-8000-000000000000", index + 1));
        SimulatedHypervisor hypervisor = new SimulatedHypervisor(host, HOST_MEMORY, world);
        hosts.add(host);
        hypervisors.add(hypervisor);
        RatisPoolMember member = builder(index, host, hypervisor).build();
        members.add(member);
        member.start();
        return member;
    }

    private MemberBuilder builder(int index, HostId host, SimulatedHypervisor hypervisor) {
        MemberBuilder b = new MemberBuilder()
                .hostUuid(host)
                .nameLabel("host" + (index + 1))
                .listenAddress("127.0.0.1:0")
                .storageDirectory(dir.resolve("host" + (index + 1)))
                .memoryTotal(HOST_MEMORY)
                .timeouts(TIMEOUTS)
                .hostAgent(hypervisor);
        return index == 0
                ? b.createPool("test-pool")
                : b.joinPool(members.get(0).serviceAddress());
    }

    List<String> addresses() {
        return members.stream().map(RatisPoolMember::serviceAddress).toList();
    }

    @Override
    public void close() {
        members.forEach(RatisPoolMember::close);
    }
}
