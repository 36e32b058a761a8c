package io.poolkeeper.testing;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.boot.MemberBuilder;
import io.poolkeeper.ha.HaSettings;
import io.poolkeeper.member.MemberConfig;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.ratis.RaftSettings;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.rpc.TransportSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * A pool of real members in this JVM, for tests (in the manner of Curator's {@code TestingCluster}): Raft and
 * PoolService over gRPC on loopback, one storage directory per host under the given directory, one {@link
 * SimulatedHypervisor} per host in a shared {@link HypervisorWorld}, and shared {@link LinkFaults} that every member
 * honours.
 *
 * <p>Hosts are numbered from 0 in the order they were added and keep their index, uuid
 * ({@code 0000000N-0000-4000-8000-000000000000} for index N-1), name ({@code hostN}), directory and ports for the
 * whole test, so a member {@link #kill killed} or {@link #stop stopped} can be {@link #restart restarted} where the
 * pool expects it (the Raft configuration holds its addresses). Ports are fixed from a base port, or free ones from
 * {@link Ports} (the default).
 *
 * <pre>{@code
 * try (TestingPool pool = TestingPool.builder(dir).timeouts(myTimeouts).start(3)) {
 *     int master = pool.awaitMaster();
 *     pool.kill(master);
 *     int next = pool.awaitMaster();
 *     pool.isolate(next);
 *     ...
 *     pool.assertNoVmEverRanTwice();
 * }
 * }</pre>
 *
 * <p>Waits use Awaitility and last at most {@link Builder#await(Duration)} (default {@link #WAIT}). Not thread-safe
 * for changes (add, kill, stop, restart, close: one test thread); the queries may be called from any thread, so they
 * can be used in Awaitility conditions.
 */
public final class TestingPool implements AutoCloseable {
    /** The memory of each host unless set. */
    public static final long HOST_MEMORY = 16L << 30;

    /**
     * The timeouts unless set: heartbeat 100 ms, dead after 2 s, emergency after 4 s, election 300-600 ms, requests
     * 5 s. Short enough for tests, long enough for a loaded 2-core machine.
     */
    public static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(100),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofMillis(300),
            Duration.ofMillis(600),
            Duration.ofSeconds(5));

    /** The longest the pool's own waits take unless set. */
    public static final Duration WAIT = Duration.ofSeconds(30);

    /**
     * HA for tests: heartbeats every {@code max(100 ms, T/10)} (production: 1 s floor), ρ = 0.1, and a margin of four
     * heartbeats instead of two, for a loaded test machine whose threads run late.
     */
    public static final HaSettings HA = new HaSettings(Duration.ofMillis(100), 0.1, 4);

    /** How long the join token issued for each added host stays valid. */
    private static final Duration JOIN_TOKEN_VALIDITY = Duration.ofHours(1);

    /** One host of the pool: fixed for the whole test, its member replaced on restart. */
    private static final class Host {
        final HostId id;
        final SimulatedHypervisor hypervisor;
        /** What its member calls: the hypervisor, or the test's wrapper of it. */
        final HostAgent agent;

        final int servicePort;
        final int raftPort;
        /** Joined as a witness: votes, runs no VM, offers no memory. */
        final boolean witness;
        /** The running member, or null while the host is down. */
        volatile RatisPoolMember member;
        /**
         * The join token it joined with, kept in its configuration across restarts as an operator keeps it in the
         * member's environment: a host the pool forgot joins anew with it when reset onto the master.
         */
        volatile String joinToken;
        /** The member it joined through, as its operator's {@code --join} names it; null for the pool's founder. */
        volatile String joinAddress;

        Host(
                HostId id,
                SimulatedHypervisor hypervisor,
                HostAgent agent,
                int servicePort,
                int raftPort,
                boolean witness) {
            this.id = id;
            this.hypervisor = hypervisor;
            this.agent = agent;
            this.servicePort = servicePort;
            this.raftPort = raftPort;
            this.witness = witness;
        }
    }

    /** Configures a {@link TestingPool}. */
    public static final class Builder {
        private final Path dir;
        private MemberTimeouts timeouts = TIMEOUTS;
        private long hostMemory = HOST_MEMORY;
        private Duration wait = WAIT;
        private String poolName = "test-pool";
        private int basePort;
        private HaSettings ha = HA;
        private List<HostId> hostIds = List.of();
        private boolean allowFaultInjection;
        private boolean insecure;
        private Function<SimulatedHypervisor, HostAgent> agents = h -> h;
        private Executor agentExecutor;
        private int eventRetention = MemberConfig.DEFAULT_EVENT_RETENTION;
        private long snapshotEvery = RaftSettings.SNAPSHOT_THRESHOLD;
        private IntFunction<MeterRegistry> meterRegistries;

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
        }

        /** The members' timeouts (default {@link #TIMEOUTS}). */
        public Builder timeouts(MemberTimeouts timeouts) {
            this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
            return this;
        }

        /** The memory each host offers to VMs, and its hypervisor's capacity (default {@link #HOST_MEMORY}). */
        public Builder hostMemory(long bytes) {
            this.hostMemory = bytes;
            return this;
        }

        /** The longest the pool's own waits take (default {@link #WAIT}). */
        public Builder await(Duration wait) {
            this.wait = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /** The name of the pool the first host creates (default {@code test-pool}). */
        public Builder poolName(String name) {
            this.poolName = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Fixed ports: host {@code i} serves PoolService on {@code port + 2i} and Raft on {@code port + 2i + 1}.
         * Default: free ports, each handed out once in this JVM.
         */
        public Builder basePort(int port) {
            if (port <= 0 || port > 65_000) {
                throw new IllegalArgumentException("base port out of range: " + port);
            }
            this.basePort = port;
            return this;
        }

        /** How members run pool HA (default {@link #HA}: heartbeats at least 100 ms apart). */
        public Builder haSettings(HaSettings settings) {
            this.ha = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * The uuids of the first hosts, in order (the seed's 2-host table needs random ones); hosts beyond the list
         * get {@code 00000001-0000-4000-8000-000000000000}, {@code 00000002-...} and so on.
         */
        public Builder hostIds(List<HostId> ids) {
            this.hostIds = List.copyOf(ids);
            return this;
        }

        /**
         * Whether every member also obeys {@code InjectLinkFault} ({@code io.poolkeeper.rpc.LinkFaultClient}, the CLI's
         * {@code link-cut} and {@code host-pull-cable}), as a member process started with {@code
         * --allow-fault-injection} does (default false: refused). The pool's own {@link #faults()} work either way.
         */
        public Builder allowFaultInjection(boolean allow) {
            this.allowFaultInjection = allow;
            return this;
        }

        /**
         * Plain text between members and clients. Default: mutual TLS, with a CA made for this pool under its
         * directory ({@link TestingPool#clientSecurity()} gives a client's credentials).
         */
        public Builder insecure() {
            this.insecure = true;
            return this;
        }

        /**
         * What each host's member calls instead of its {@link SimulatedHypervisor}: a wrapper that records or
         * delays calls (made once per host; it lives across restarts, like the hypervisor).
         */
        public Builder agents(Function<SimulatedHypervisor, HostAgent> wrapper) {
            this.agents = Objects.requireNonNull(wrapper, "wrapper");
            return this;
        }

        /** The executor every member runs its agent calls on (default: each member's own). */
        public Builder agentExecutor(Executor executor) {
            this.agentExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** How many events each member keeps for watchers (default {@link MemberConfig#DEFAULT_EVENT_RETENTION}). */
        public Builder eventRetention(int events) {
            this.eventRetention = events;
            return this;
        }

        /**
         * Each member takes a Raft snapshot every this many log entries (default {@link
         * RaftSettings#SNAPSHOT_THRESHOLD}): a test lowers it to snapshot within a few writes.
         */
        public Builder snapshotEvery(long logEntries) {
            this.snapshotEvery = logEntries;
            return this;
        }

        /**
         * The meter registry of the member of each host, by host index (asked at every build of the member, so a
         * restarted member of the same host reports where its predecessor did when the function answers the same).
         * Default: none.
         */
        public Builder meterRegistries(IntFunction<MeterRegistry> perHost) {
            this.meterRegistries = Objects.requireNonNull(perHost, "perHost");
            return this;
        }

        /** A pool with no host yet: {@link TestingPool#add()} adds them. */
        public TestingPool build() {
            return new TestingPool(this);
        }

        /** A pool of {@code size} hosts, started and settled as {@link TestingPool#start(int)} says. */
        public TestingPool start(int size) {
            TestingPool pool = build();
            try {
                return pool.start(size);
            } catch (RuntimeException | Error e) {
                pool.close();
                throw e;
            }
        }
    }

    private final Path dir;
    private final MemberTimeouts timeouts;
    private final long hostMemory;
    private final Duration wait;
    private final String poolName;
    private final int basePort;
    private final HaSettings ha;
    private final List<HostId> hostIds;
    private final boolean allowFaultInjection;
    private final Function<SimulatedHypervisor, HostAgent> agents;
    private final Optional<Executor> agentExecutor;
    private final int eventRetention;
    private final long snapshotEvery;
    private final Optional<IntFunction<MeterRegistry>> meterRegistries;
    private final HypervisorWorld world = new HypervisorWorld();
    private final LinkFaults faults = new LinkFaults();
    private final List<Host> hosts = new CopyOnWriteArrayList<>();
    /** The pool's CA and credentials; empty when insecure. */
    private final Optional<TestingTls> tls;

    private TestingPool(Builder b) {
        this.dir = b.dir;
        this.timeouts = b.timeouts;
        this.hostMemory = b.hostMemory;
        this.wait = b.wait;
        this.poolName = b.poolName;
        this.basePort = b.basePort;
        this.ha = b.ha;
        this.hostIds = b.hostIds;
        this.allowFaultInjection = b.allowFaultInjection;
        this.agents = b.agents;
        this.agentExecutor = Optional.ofNullable(b.agentExecutor);
        this.eventRetention = b.eventRetention;
        this.snapshotEvery = b.snapshotEvery;
        this.meterRegistries = Optional.ofNullable(b.meterRegistries);
        this.tls = b.insecure ? Optional.empty() : Optional.of(new TestingTls(dir.resolve("tls"), b.poolName));
    }

    /** A builder for a pool whose hosts keep their storage under {@code dir}. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** A pool of {@code size} hosts with the defaults, started and settled as {@link #start(int)} says. */
    public static TestingPool start(Path dir, int size) {
        return builder(dir).start(size);
    }

    /**
     * Adds {@code size} hosts to this empty pool (the first creates the pool, the others join it one by one) and
     * waits until every member holds all of them and one master is recorded.
     *
     * @return this pool
     */
    public TestingPool start(int size) {
        if (!hosts.isEmpty()) {
            throw new IllegalStateException("the pool has hosts already");
        }
        for (int i = 0; i < size; i++) {
            add();
        }
        await().atMost(wait).until(() -> members().stream()
                .allMatch(m -> m.applied().state().hosts().size() == size));
        awaitMaster();
        return this;
    }

    /** Adds a host: the first creates the pool, the others join it through the first running member. */
    public RatisPoolMember add() {
        return hosts.isEmpty()
                ? add(-1)
                : add(running()
                        .findFirst()
                        .orElseThrow(() -> new IllegalStateException("every host is down: none to join through")));
    }

    /** Adds a host that joins the pool through the member of host {@code joinVia} (the first host creates it). */
    public RatisPoolMember add(int joinVia) {
        return add(joinVia, false);
    }

    /**
     * Adds a witness (DESIGN §6): a host that joins through the first running member as {@code WITNESS}, votes and
     * counts in partitions but runs no VM. Its member is given no memory (a witness needs none); its hypervisor still
     * has the pool's host memory, so a VM wrongly placed there would start and show.
     */
    public RatisPoolMember addWitness() {
        return add(
                running()
                        .findFirst()
                        .orElseThrow(() -> new IllegalStateException("every host is down: none to join through")),
                true);
    }

    private RatisPoolMember add(int joinVia, boolean witness) {
        int index = hosts.size();
        if (witness && index == 0) {
            throw new IllegalStateException("a witness joins a pool: add a host first");
        }
        HostId id = index < hostIds.size()
                ? hostIds.get(index)
                : HostId.of(String.format("%08d-0000-4000-8000-000000000000", index + 1));
        int service = basePort > 0 ? basePort + 2 * index : Ports.free();
        int raft = basePort > 0 ? service + 1 : Ports.free();
        SimulatedHypervisor hypervisor = new SimulatedHypervisor(id, hostMemory, world);
        Host host = new Host(id, hypervisor, agents.apply(hypervisor), service, raft, witness);
        MemberBuilder b = builder(index, host);
        if (index == 0) {
            b.createPool(poolName);
        } else {
            RatisPoolMember via = member(joinVia);
            // A new host needs a join token: issued through the member it joins by, valid long enough for any test.
            host.joinToken =
                    via.pool().blocking().createJoinToken(JOIN_TOKEN_VALIDITY).token();
            host.joinAddress = via.serviceAddress();
            b.joinPool(host.joinAddress).joinToken(host.joinToken);
        }
        RatisPoolMember member = b.build();
        host.member = member;
        hosts.add(host);
        start(host, member);
        return member;
    }

    /** Starts a host's member; one that fails to start leaves the host down. */
    private static void start(Host host, RatisPoolMember member) {
        try {
            member.start();
        } catch (RuntimeException e) {
            host.member = null;
            throw e;
        }
    }

    private MemberBuilder builder(int index, Host host) {
        MemberBuilder b = new MemberBuilder();
        if (host.witness) {
            b.witness(true); // and no memoryTotal: a witness needs none
        } else {
            b.memoryTotal(hostMemory);
        }
        if (host.joinToken != null) {
            b.joinToken(host.joinToken);
        }
        agentExecutor.ifPresent(b::agentExecutor);
        meterRegistries.ifPresent(registries -> b.meterRegistry(registries.apply(index)));
        return b.hostUuid(host.id)
                .nameLabel("host" + (index + 1))
                .listenAddress("127.0.0.1:" + host.servicePort)
                .raftPort(host.raftPort)
                .storageDirectory(storage(index))
                .timeouts(timeouts)
                .hostAgent(host.agent)
                .linkFilter(faults)
                .haSettings(ha)
                .allowFaultInjection(allowFaultInjection)
                .eventRetention(eventRetention)
                .snapshotEvery(snapshotEvery)
                .transportSecurity(tls.map(t -> t.member(index)).orElseGet(TransportSecurity::insecure));
    }

    /** How a client of this pool talks to its members: TLS with a client certificate of the pool, or plain text. */
    public TransportSecurity clientSecurity() {
        return tls.map(TestingTls::client).orElseGet(TransportSecurity::insecure);
    }

    /**
     * The TLS credentials directory of host {@code index} ({@code ca.pem}, {@code cert.pem}, {@code key.pem}); empty
     * when the pool is insecure.
     */
    public Optional<Path> tlsDirectory(int index) {
        return tls.map(t -> t.memberDirectory(index));
    }

    /** The pool's CA, to issue more credentials (another pool's CA: a new {@link TestingPool}); empty if insecure. */
    public Optional<TestingTls> tls() {
        return tls;
    }

    /** A remote client of this pool's running members, with the pool's client credentials. */
    public GrpcPoolClient.Builder clientBuilder() {
        return GrpcPoolClient.builder()
                .members(running().mapToObj(this::address).toList())
                .transportSecurity(clientSecurity());
    }

    // --- the hosts

    /** The number of hosts added, running or down. */
    public int size() {
        return hosts.size();
    }

    /** The member of host {@code index}; fails while the host is down. */
    public RatisPoolMember member(int index) {
        RatisPoolMember m = hostAt(index).member;
        if (m == null) {
            throw new IllegalStateException("host" + (index + 1) + " is down");
        }
        return m;
    }

    /** The blocking pool handle through the member of host {@code index}. */
    public BlockingPool pool(int index) {
        return member(index).pool().blocking();
    }

    /** The running members, in host order. */
    public List<RatisPoolMember> members() {
        List<RatisPoolMember> out = new ArrayList<>();
        for (Host h : hosts) {
            RatisPoolMember m = h.member;
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    /** The indexes of the hosts whose member runs, ascending. */
    public IntStream running() {
        return IntStream.range(0, hosts.size()).filter(this::isRunning);
    }

    public boolean isRunning(int index) {
        return hostAt(index).member != null;
    }

    /** Whether host {@code index} was {@link #addWitness added as a witness}. */
    public boolean isWitness(int index) {
        return hostAt(index).witness;
    }

    /** Every host's uuid, in index order. */
    public List<HostId> hosts() {
        return hosts.stream().map(h -> h.id).toList();
    }

    public HostId host(int index) {
        return hostAt(index).id;
    }

    /** The index of {@code host}, or -1. */
    public int indexOf(HostId host) {
        return hosts().indexOf(host);
    }

    public SimulatedHypervisor hypervisor(int index) {
        return hostAt(index).hypervisor;
    }

    /** The world of every host's hypervisor. */
    public HypervisorWorld world() {
        return world;
    }

    /** The link faults every member honours; {@link #cut}, {@link #isolate} and {@link #heal} work by index. */
    public LinkFaults faults() {
        return faults;
    }

    public MemberTimeouts timeouts() {
        return timeouts;
    }

    /** The storage directory of host {@code index}. */
    public Path storage(int index) {
        return dir.resolve("host" + (index + 1));
    }

    /** The PoolService address of host {@code index}, running or not. */
    public String address(int index) {
        return "127.0.0.1:" + hostAt(index).servicePort;
    }

    /** Every host's PoolService address, in index order, running or not: what a client is given. */
    public List<String> addresses() {
        return IntStream.range(0, hosts.size()).mapToObj(this::address).toList();
    }

    private Host hostAt(int index) {
        if (index < 0 || index >= hosts.size()) {
            throw new IndexOutOfBoundsException("no host" + (index + 1) + ": the pool has " + hosts.size());
        }
        return hosts.get(index);
    }

    // --- faults: crashes, shutdowns, restarts, links

    /** Host {@code index} crashes: its member stops without a word and its hypervisor loses every domain. */
    public void kill(int index) {
        RatisPoolMember m = member(index);
        hostAt(index).member = null;
        // The hypervisor first: a crashed host's VMs die with it. Killing a member can take seconds, and VMs left
        // running meanwhile by a member already silent are a dead HA daemon's, not a crashed host's: the survivors
        // may rightly declare the host and run them elsewhere (README: without a watchdog they would run twice).
        hypervisor(index).crash();
        m.kill();
    }

    /**
     * The member of host {@code index} dies (as a crashed toolstack: no goodbye) while the host and the VMs its
     * hypervisor runs stay up; {@link #restart} brings the member back on the same hypervisor.
     */
    public void killMember(int index) {
        RatisPoolMember m = member(index);
        hostAt(index).member = null;
        m.kill();
    }

    /** The member of host {@code index} shuts down cleanly (its goodbye makes it dead at once); the host stays up. */
    public void stop(int index) {
        RatisPoolMember m = member(index);
        hostAt(index).member = null;
        m.close();
    }

    /** Host {@code index}, down, boots again and its member restarts from its storage directory and on its ports. */
    public RatisPoolMember restart(int index) {
        Host host = hostAt(index);
        if (host.member != null) {
            throw new IllegalStateException("host" + (index + 1) + " is running");
        }
        host.hypervisor.boot();
        RatisPoolMember member = builder(index, host).build();
        host.member = member;
        start(host, member);
        return member;
    }

    /**
     * Host {@code index}, down after a start that failed to join the pool, starts again with the same {@code --join}
     * and token, as a supervisor restarting its member does.
     */
    public RatisPoolMember rejoin(int index) {
        Host host = hostAt(index);
        if (host.member != null) {
            throw new IllegalStateException("host" + (index + 1) + " is running");
        }
        if (host.joinAddress == null) {
            throw new IllegalStateException("host" + (index + 1) + " founded the pool: it joined none");
        }
        RatisPoolMember member = builder(index, host).joinPool(host.joinAddress).build();
        host.member = member;
        start(host, member);
        return member;
    }

    /** Drops everything host {@code from} sends to host {@code to}. */
    public void cut(int from, int to) {
        faults.cut(host(from), host(to));
    }

    /** Cuts both directions between two hosts. */
    public void cutBoth(int a, int b) {
        faults.cutBoth(host(a), host(b));
    }

    /** Cuts both directions between two hosts as a pulled cable does (see {@link LinkFaults#cutSilently}). */
    public void cutSilently(int a, int b) {
        faults.cutSilently(host(a), host(b));
    }

    /** Cuts host {@code index} off from every other host, both directions. */
    public void isolate(int index) {
        faults.isolate(host(index), hosts());
    }

    /** Heals the link from host {@code from} to host {@code to}. */
    public void heal(int from, int to) {
        faults.heal(host(from), host(to));
    }

    public void healAll() {
        faults.healAll();
    }

    // --- roles

    /** The index of the only running member that reports itself master, if exactly one does. */
    public Optional<Integer> soleMaster() {
        List<Integer> masters = running()
                .filter(i -> {
                    RatisPoolMember m = hostAt(i).member;
                    return m != null && m.role() == MemberRole.MASTER;
                })
                .boxed()
                .toList();
        return masters.size() == 1 ? Optional.of(masters.get(0)) : Optional.empty();
    }

    /**
     * Waits until exactly one running member is master and its own copy records it as the pool's master, and returns
     * its index.
     */
    public int awaitMaster() {
        return await().atMost(wait)
                .until(
                        () -> soleMaster().filter(i -> {
                            RatisPoolMember m = hostAt(i).member;
                            return m != null && m.applied().state().isMaster(host(i));
                        }),
                        Optional::isPresent)
                .orElseThrow();
    }

    /** The indexes of the running members other than the master ({@link #awaitMaster waited for}), ascending. */
    public List<Integer> slaves() {
        return others(awaitMaster());
    }

    /** The indexes of the running members other than host {@code index}, ascending. */
    public List<Integer> others(int index) {
        return running().filter(i -> i != index).boxed().toList();
    }

    // --- VMs and invariants

    /**
     * Creates and starts {@code count} 1 GiB, 1-vCPU VMs named {@code vm0}, {@code vm1}, ... through the member of
     * host {@code via}, each on the host given or where the pool places it.
     */
    public List<VmId> startVms(int via, int count, Optional<HostId> on) {
        List<VmId> vms = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            VmId vm = pool(via).createVm(VmSpec.of("vm" + i, 1L << 30, 1));
            pool(via).startVm(vm, on, false);
            vms.add(vm);
        }
        return vms;
    }

    /** DESIGN §7: fails if a VM ever ran on two unfenced hosts at once, at any moment since the pool was built. */
    public void assertNoVmEverRanTwice() {
        world.assertNoVmEverRanTwice();
    }

    /** Kills every running member (a test's end needs no goodbyes). */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (Host h : hosts) {
            RatisPoolMember m = h.member;
            h.member = null;
            if (m == null) {
                continue;
            }
            try {
                m.kill();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
