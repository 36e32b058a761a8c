package io.poolkeeper.examples.bench;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.boot.MemberBuilder;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.rpc.TransportSecurity;
import io.poolkeeper.testing.HypervisorWorld;
import io.poolkeeper.testing.SimulatedHypervisor;
import io.poolkeeper.tls.PoolCertificateAuthority;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.IntStream;

/**
 * A 3-member pool in this JVM on loopback (real Raft and PoolService over gRPC, one storage directory per member,
 * simulated hypervisors), whose members can be killed and restarted on their own directory and ports. Plain text,
 * or mutual TLS (PoolService and Raft) with a CA made for it under its directory.
 */
final class BenchPool implements AutoCloseable {
    static final int SIZE = 3;
    private static final long HOST_MEMORY = 1L << 40;
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final MemberTimeouts timeouts;
    private final HypervisorWorld world = new HypervisorWorld();
    private final HostId[] hosts = new HostId[SIZE];
    private final SimulatedHypervisor[] hypervisors = new SimulatedHypervisor[SIZE];
    private final RatisPoolMember[] members = new RatisPoolMember[SIZE];
    /** Kept from the start: a closed member no longer reports its service port. */
    private final String[] serviceAddresses = new String[SIZE];
    /** Each member's security, then a client's: all plain text, or TLS credentials of this pool's CA. */
    private final TransportSecurity[] security = new TransportSecurity[SIZE + 1];

    private BenchPool(Path dir, MemberTimeouts timeouts) {
        this.dir = dir;
        this.timeouts = timeouts;
    }

    /** Creates a plain-text pool on the first member and joins the two others to it. */
    static BenchPool start(Path dir, MemberTimeouts timeouts) {
        return start(dir, timeouts, false);
    }

    /**
     * Creates the pool on the first member and joins the two others to it; with {@code tls}, first a CA and one
     * credential set per member and one for a client under {@code dir/tls}.
     */
    static BenchPool start(Path dir, MemberTimeouts timeouts, boolean tls) {
        BenchPool pool = new BenchPool(dir, timeouts);
        if (tls) {
            List<Path> credentials = PoolCertificateAuthority.initPool(dir.resolve("tls"), "bench-pool", SIZE);
            for (int i = 0; i <= SIZE; i++) {
                pool.security[i] = TransportSecurity.tls(credentials.get(i));
            }
        } else {
            Arrays.fill(pool.security, TransportSecurity.insecure());
        }
        try {
            for (int i = 0; i < SIZE; i++) {
                pool.hosts[i] = HostId.of(String.format("%08d-0000-4000-8000-0000000be0c4", i + 1));
                pool.hypervisors[i] = new SimulatedHypervisor(pool.hosts[i], HOST_MEMORY, pool.world);
                MemberBuilder b = pool.builder(i).listenAddress("127.0.0.1:0");
                b = i == 0
                        ? b.createPool("bench-pool")
                        : b.joinPool(pool.members[0].serviceAddress())
                                .joinToken(pool.members[0]
                                        .pool()
                                        .blocking()
                                        .createJoinToken(java.time.Duration.ofHours(1))
                                        .token());
                pool.members[i] = b.build();
                pool.members[i].start();
                pool.serviceAddresses[i] = pool.members[i].serviceAddress();
            }
            pool.awaitSettled();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return pool;
    }

    private MemberBuilder builder(int i) {
        return new MemberBuilder()
                .transportSecurity(security[i])
                .hostUuid(hosts[i])
                .nameLabel("host" + (i + 1))
                .storageDirectory(dir.resolve("host" + (i + 1)))
                .memoryTotal(HOST_MEMORY)
                .timeouts(timeouts)
                .hostAgent(hypervisors[i]);
    }

    RatisPoolMember member(int i) {
        return members[i];
    }

    /** How a client of this pool talks to its members. */
    TransportSecurity clientSecurity() {
        return security[SIZE];
    }

    List<String> addresses() {
        return List.of(serviceAddresses);
    }

    /** The member that is Raft leader and recorded as pool master, once the pool has settled. */
    int masterIndex() {
        awaitSettled();
        return leaderIndex().orElseThrow();
    }

    /** A member that is not the master. */
    int slaveIndex() {
        return (masterIndex() + 1) % SIZE;
    }

    /** The member that acts as master now, if any (no settling). */
    OptionalInt leaderIndex() {
        return IntStream.range(0, SIZE)
                .filter(i -> members[i].role() == MemberRole.MASTER)
                .findFirst();
    }

    /** Kills a member as a crash would look to the others: it stops at once, without a goodbye. */
    void kill(int i) {
        members[i].kill();
    }

    /** Restarts a killed member on its own directory and ports; it recovers from its snapshot and log. */
    void restart(int i) {
        RatisPoolMember old = members[i];
        int raftPort =
                Integer.parseInt(old.raftAddress().substring(old.raftAddress().lastIndexOf(':') + 1));
        members[i] =
                builder(i).listenAddress(serviceAddresses[i]).raftPort(raftPort).build();
        members[i].start();
    }

    /**
     * Waits until one member is master (Raft leader with itself recorded as pool master), the others are slaves, and
     * every member applied the same commands.
     */
    void awaitSettled() {
        Poll.until("a settled pool (one master, two slaves caught up)", SETTLE_TIMEOUT, () -> {
            OptionalInt leader = leaderIndex();
            if (leader.isEmpty()) {
                return false;
            }
            RatisPoolMember master = members[leader.getAsInt()];
            if (!master.applied().state().isMaster(master.hostId())) {
                return false;
            }
            long sequence = master.applied().sequence();
            return Arrays.stream(members)
                    .allMatch(m -> m == master
                            || (m.role() == MemberRole.SLAVE && m.applied().sequence() == sequence));
        });
    }

    @Override
    public void close() {
        for (RatisPoolMember m : members) {
            if (m != null) {
                m.close();
            }
        }
    }
}
