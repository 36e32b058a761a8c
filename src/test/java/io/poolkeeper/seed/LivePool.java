package io.poolkeeper.seed;

import static org.awaitility.Awaitility.await;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.ratis.MemberBuilder;
import io.poolkeeper.ratis.RatisPoolMember;
import io.poolkeeper.testing.HypervisorWorld;
import io.poolkeeper.testing.LinkFaults;
import io.poolkeeper.testing.Ports;
import io.poolkeeper.testing.SimulatedHypervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * A pool of real members in this JVM for the seed scenarios: Ratis and gRPC on loopback with fixed ports per host
 * (so a killed member restarts where the pool expects it), one storage directory per host, simulated hypervisors in
 * one world, shared {@link LinkFaults}, and timeouts short enough for tests (heartbeat 100 ms, dead after 2 s,
 * emergency after 4 s) yet long enough for a loaded 2-core machine.
 */
final class LivePool implements AutoCloseable {
    static final long HOST_MEMORY = 16L << 30;
    static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(100),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofMillis(300),
            Duration.ofMillis(600),
            Duration.ofSeconds(5));
    static final Duration WAIT = Duration.ofSeconds(30);

    final Path dir;
    final HypervisorWorld world = new HypervisorWorld();
    final LinkFaults faults = new LinkFaults();
    final List<HostId> hosts = new ArrayList<>();
    final List<SimulatedHypervisor> hypervisors = new ArrayList<>();
    /** The running member of each host; null while it is down. */
    final List<RatisPoolMember> members = new ArrayList<>();

    private final List<int[]> ports = new ArrayList<>();

    private final MemberTimeouts timeouts;

    private LivePool(Path dir, MemberTimeouts timeouts) {
        this.dir = dir;
        this.timeouts = timeouts;
    }

    /** Starts {@code size} hosts with the short {@link #TIMEOUTS}. */
    static LivePool start(Path dir, int size) {
        return start(dir, size, TIMEOUTS);
    }

    /** Starts {@code size} hosts: the first creates the pool, the others join it one by one. */
    static LivePool start(Path dir, int size, MemberTimeouts timeouts) {
        LivePool pool = new LivePool(dir, timeouts);
        try {
            for (int i = 0; i < size; i++) {
                pool.addHost();
            }
            await().atMost(WAIT).until(() -> pool.members.stream()
                    .allMatch(m -> m.applied().state().hosts().size() == size));
            return pool;
        } catch (RuntimeException | Error e) {
            pool.close();
            throw e;
        }
    }

    private void addHost() {
        int index = hosts.size();
        HostId host = HostId.of(String.format("%08d-0000-4000-8000-000000000000", index + 1));
        hosts.add(host);
        hypervisors.add(new SimulatedHypervisor(host, HOST_MEMORY, world));
        ports.add(new int[] {Ports.free(), Ports.free()});
        MemberBuilder b = builder(index);
        RatisPoolMember member = (index == 0
                        ? b.createPool("seed-pool")
                        : b.joinPool(members.get(0).serviceAddress()))
                .build();
        members.add(member);
        member.start();
    }

    private MemberBuilder builder(int index) {
        return new MemberBuilder()
                .hostUuid(hosts.get(index))
                .nameLabel("host" + (index + 1))
                .listenAddress("127.0.0.1:" + ports.get(index)[0])
                .raftPort(ports.get(index)[1])
                .storageDirectory(dir.resolve("host" + (index + 1)))
                .memoryTotal(HOST_MEMORY)
                .timeouts(timeouts)
                .hostAgent(hypervisors.get(index))
                .linkFilter(faults);
    }

    RatisPoolMember member(int index) {
        RatisPoolMember m = members.get(index);
        if (m == null) {
            throw new IllegalStateException("host" + (index + 1) + " is down");
        }
        return m;
    }

    BlockingPool pool(int index) {
        return member(index).pool().blocking();
    }

    /** The host crashes: its member stops without a word and its hypervisor loses every domain. */
    void kill(int index) {
        member(index).kill();
        hypervisors.get(index).crash();
        members.set(index, null);
    }

    /** The host boots again and its member restarts from its storage directory. */
    RatisPoolMember restart(int index) {
        hypervisors.get(index).boot();
        RatisPoolMember member = builder(index).build();
        members.set(index, member);
        member.start();
        return member;
    }

    /** Waits for exactly one running member to be MASTER and returns its index. */
    int awaitMaster() {
        await().atMost(WAIT)
                .until(() -> running()
                                .filter(i -> members.get(i).role() == MemberRole.MASTER)
                                .count()
                        == 1);
        return running()
                .filter(i -> members.get(i).role() == MemberRole.MASTER)
                .findFirst()
                .orElseThrow();
    }

    IntStream running() {
        return IntStream.range(0, members.size()).filter(i -> members.get(i) != null);
    }

    int indexOf(HostId host) {
        return hosts.indexOf(host);
    }

    /** Creates and starts {@code count} 1 GiB VMs through member {@code via}, each on the host given (or placed). */
    List<VmId> startVms(int via, int count, Optional<HostId> on) {
        List<VmId> vms = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            VmId vm = pool(via).createVm(VmSpec.of("vm" + i, 1L << 30, 1));
            pool(via).startVm(vm, on, false);
            vms.add(vm);
        }
        return vms;
    }

    @Override
    public void close() {
        members.stream().filter(m -> m != null).forEach(RatisPoolMember::kill);
    }
}
