package io.poolkeeper.examples;

import static org.awaitility.Awaitility.await;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.testing.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The examples' pool: members in this JVM on loopback, built with the public API only ({@link PoolMember#builder()}),
 * each with a {@link TemplateHostAgent}, plain text (never on a real network: use {@code .tls(dir)}) and short
 * timeouts. Host {@code i} keeps its uuid, directory, address and agent for the whole run, so a killed member can be
 * restarted where the pool expects it. One thread drives it.
 */
final class LoopbackPool implements AutoCloseable {
    /**
     * Short timeouts so the examples run in seconds: heartbeat 200 ms, a host dead after 2 s without one, emergency
     * mode after 3 s without a master, elections 300-600 ms, requests 5 s. The defaults are the seed's 5 s, 30 s, 60 s.
     */
    static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(200),
            Duration.ofSeconds(2),
            Duration.ofSeconds(3),
            Duration.ofMillis(300),
            Duration.ofMillis(600),
            Duration.ofSeconds(5));

    /** The longest an example waits for the pool to do something. */
    static final Duration WAIT = Duration.ofSeconds(30);

    static final long HOST_MEMORY = 16L << 30;

    /** Ports handed out in this JVM: Raft listens on the service port + 1, so both are reserved. */
    private final Path dir;

    private final List<HostId> hosts = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    private final List<TemplateHostAgent> agents = new ArrayList<>();
    private final List<Boolean> witnesses = new ArrayList<>();
    private final List<PoolMember> members = new ArrayList<>();

    LoopbackPool(Path dir) {
        this.dir = dir;
    }

    /** A pool of {@code count} hosts: host 0 creates it, the others join with a join token. */
    static LoopbackPool start(Path dir, int count) {
        LoopbackPool pool = new LoopbackPool(dir);
        for (int i = 0; i < count; i++) {
            pool.add(false);
        }
        return pool;
    }

    /** Adds a host (or a witness: it votes, runs no VM, offers no memory); returns its index. */
    int add(boolean witness) {
        int index = hosts.size();
        hosts.add(HostId.of(String.format("446a3c0e-0000-4000-8000-%012d", index + 1)));
        addresses.add("127.0.0.1:" + Ports.freePair());
        agents.add(new TemplateHostAgent(hosts.get(index)));
        witnesses.add(witness);
        members.add(null);
        Optional<String> token = index == 0
                ? Optional.empty()
                : Optional.of(master().pool()
                        .blocking()
                        .createJoinToken(Duration.ofMinutes(10))
                        .token());
        members.set(index, build(index, token));
        members.get(index).start();
        return index;
    }

    private PoolMember build(int index, Optional<String> joinToken) {
        PoolMember.Builder builder = PoolMember.builder()
                .hostUuid(hosts.get(index))
                .nameLabel((witnesses.get(index) ? "witness" : "host") + (index + 1))
                .listenAddress(addresses.get(index))
                .storageDirectory(dir.resolve("host" + (index + 1)))
                .witness(witnesses.get(index))
                .memoryTotal(witnesses.get(index) ? 0 : HOST_MEMORY)
                .timeouts(TIMEOUTS)
                .hostAgent(agents.get(index))
                .insecure();
        if (index == 0) {
            builder.createPool("examples");
        } else {
            joinToken.ifPresent(t -> builder.joinPool(addresses.get(0)).joinToken(t));
        }
        return builder.build();
    }

    /** A host crash: the member stops without a word (its agent, the "hypervisor", is the example's to judge). */
    void kill(int index) {
        members.get(index).kill();
    }

    /** The host boots again: a new member on the same directory, address and agent resumes from its disk. */
    PoolMember restart(int index) {
        PoolMember member = build(index, Optional.empty());
        members.set(index, member);
        member.start();
        return member;
    }

    /** Waits for a member that calls itself master, and returns its index. */
    int awaitMaster() {
        return await().atMost(WAIT)
                .until(
                        () -> IntStream.range(0, members.size())
                                .filter(i -> members.get(i).role() == MemberRole.MASTER)
                                .boxed()
                                .findFirst(),
                        Optional::isPresent)
                .orElseThrow();
    }

    PoolMember master() {
        return members.get(awaitMaster());
    }

    PoolMember member(int index) {
        return members.get(index);
    }

    HostId host(int index) {
        return hosts.get(index);
    }

    String address(int index) {
        return addresses.get(index);
    }

    TemplateHostAgent agent(int index) {
        return agents.get(index);
    }

    int size() {
        return members.size();
    }

    /** A remote client given every member's address, as an operator's tool would be. */
    PoolClient client() {
        return PoolClient.builder()
                .members(List.copyOf(addresses))
                .requestTimeout(Duration.ofSeconds(15))
                .insecure()
                .build();
    }

    @Override
    public void close() {
        members.forEach(m -> {
            if (m != null) {
                m.kill(); // an example's pool is thrown away: no goodbyes needed
            }
        });
    }
}
