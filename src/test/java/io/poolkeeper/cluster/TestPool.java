package io.poolkeeper.cluster;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.ratis.MemberBuilder;
import io.poolkeeper.ratis.RatisPoolMember;
import io.poolkeeper.testing.HypervisorWorld;
import io.poolkeeper.testing.SimulatedHypervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A pool of real members in this JVM for tests: Ratis and gRPC on loopback, ports from {@link
 * io.poolkeeper.testing.Ports}, one storage directory per member, simulated hypervisors sharing one world.
 *
 * <p>Members keep their index for the whole test: {@link #kill} closes one, {@link #restart} starts a new member on
 * the same directory and ports (the Raft configuration holds the addresses, so a restarted peer must keep them).
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
    private final List<String> serviceAddresses = new ArrayList<>();
    private final List<String> raftAddresses = new ArrayList<>();

    TestPool(Path dir) {
        this.dir = dir;
    }

    /** Starts a member that creates the pool (index 0) or joins the first member. */
    RatisPoolMember add() {
        return add(0);
    }

    /** Starts a member that creates the pool (index 0) or joins the member at {@code joinVia}. */
    RatisPoolMember add(int joinVia) {
        int index = hosts.size();
        HostId host = HostId.of(String.format("%08d-0000-4000-8000-000000000000", index + 1));
        SimulatedHypervisor hypervisor = new SimulatedHypervisor(host, HOST_MEMORY, world);
        hosts.add(host);
        hypervisors.add(hypervisor);
        MemberBuilder b = builder(index).listenAddress("127.0.0.1:0");
        if (index == 0) {
            b.createPool("test-pool");
        } else {
            b.joinPool(members.get(joinVia).serviceAddress());
        }
        RatisPoolMember member = b.build();
        members.add(member);
        member.start();
        serviceAddresses.add(member.serviceAddress());
        raftAddresses.add(member.raftAddress());
        return member;
    }

    private MemberBuilder builder(int index) {
        return new MemberBuilder()
                .hostUuid(hosts.get(index))
                .nameLabel("host" + (index + 1))
                .storageDirectory(storage(index))
                .memoryTotal(HOST_MEMORY)
                .timeouts(TIMEOUTS)
                .hostAgent(hypervisors.get(index));
    }

    /** The storage directory of member {@code index}. */
    Path storage(int index) {
        return dir.resolve("host" + (index + 1));
    }

    /** Stops member {@code index} as a crash would look to the others (no goodbye). */
    void kill(int index) {
        members.get(index).kill();
    }

    /** Starts a new member on the directory and ports of member {@code index}, which must be closed. */
    RatisPoolMember restart(int index) {
        String service = serviceAddresses.get(index);
        String raft = raftAddresses.get(index);
        RatisPoolMember member = builder(index)
                .listenAddress(service)
                .raftPort(Integer.parseInt(raft.substring(raft.lastIndexOf(':') + 1)))
                .build();
        members.set(index, member);
        member.start();
        return member;
    }

    /** The index of the only member that reports itself master, if exactly one does. */
    Optional<Integer> soleMaster() {
        List<Integer> masters = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).role() == MemberRole.MASTER) {
                masters.add(i);
            }
        }
        return masters.size() == 1 ? Optional.of(masters.get(0)) : Optional.empty();
    }

    /** Starts three members and waits until every one has all three hosts and one master is recorded. */
    void startThree(java.time.Duration wait) {
        add();
        add();
        add();
        org.awaitility.Awaitility.await()
                .atMost(wait)
                .until(() -> members.stream()
                                .allMatch(m -> m.applied().state().hosts().size() == 3)
                        && soleMaster().isPresent());
    }

    List<String> addresses() {
        return List.copyOf(serviceAddresses);
    }

    @Override
    public void close() {
        members.forEach(RatisPoolMember::close);
    }
}
