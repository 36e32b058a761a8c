package io.poolkeeper.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.ha.HaSettings;
import io.poolkeeper.member.MemberConfig;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.member.SystemScheduler;
import io.poolkeeper.metrics.MemberMetrics;
import io.poolkeeper.port.LinkFilter;
import io.poolkeeper.port.Scheduler;
import io.poolkeeper.ratis.RaftSettings;
import io.poolkeeper.rpc.FaultInterceptors;
import io.poolkeeper.rpc.GrpcPeerLink;
import io.poolkeeper.rpc.InjectedLinkFaults;
import io.poolkeeper.rpc.PoolServer;
import io.poolkeeper.rpc.TransportSecurity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Builds a {@link RatisPoolMember}. The Raft port is the service port + 1 unless set; port 0 picks free ports. The
 * {@link HostAgent} is required: a member without one could not run a VM (tests and the demo give the simulated
 * hypervisor of {@code poolkeeper-testing}).
 */
public final class MemberBuilder implements PoolMember.Builder {
    /** The memory a host offers VMs unless {@link #memoryTotal set}; a witness offers none unless set. */
    public static final long DEFAULT_MEMORY = 64L << 30;

    private HostId hostUuid;
    private String nameLabel;
    private String listenAddress;
    private Integer raftPort;
    private Path storage;
    private String createPool;
    private String joinAddress;
    private String joinToken;
    /** Unless set: {@link #DEFAULT_MEMORY}, or none for a witness. */
    private Long memoryTotal;

    private boolean witness;
    private MemberTimeouts timeouts = MemberTimeouts.defaults();
    private LinkFilter linkFilter;
    private HaSettings haSettings = HaSettings.defaults();
    private boolean allowFaultInjection;
    private Scheduler scheduler;
    private HostAgent agent;
    private Executor agentExecutor;
    private TransportSecurity security;
    private Executor callbackExecutor;
    private int eventRetention = MemberConfig.DEFAULT_EVENT_RETENTION;
    private long snapshotEvery = RaftSettings.SNAPSHOT_THRESHOLD;
    private MeterRegistry meterRegistry;

    @Override
    public MemberBuilder hostUuid(HostId hostUuid) {
        this.hostUuid = hostUuid;
        return this;
    }

    @Override
    public MemberBuilder nameLabel(String nameLabel) {
        this.nameLabel = nameLabel;
        return this;
    }

    @Override
    public MemberBuilder listenAddress(String hostAndPort) {
        this.listenAddress = hostAndPort;
        return this;
    }

    /** The Raft port (default: service port + 1, or a free one when the service port is 0). */
    public MemberBuilder raftPort(int port) {
        this.raftPort = port;
        return this;
    }

    @Override
    public MemberBuilder storageDirectory(Path directory) {
        this.storage = directory;
        return this;
    }

    @Override
    public MemberBuilder createPool(String poolNameLabel) {
        this.createPool = poolNameLabel;
        return this;
    }

    @Override
    public MemberBuilder joinToken(String token) {
        this.joinToken = token;
        return this;
    }

    @Override
    public MemberBuilder joinPool(String memberAddress) {
        this.joinAddress = memberAddress;
        return this;
    }

    /** Bytes offered to VMs (default {@link #DEFAULT_MEMORY}; 0 for a {@link #witness}, which runs none). */
    @Override
    public MemberBuilder memoryTotal(long bytes) {
        this.memoryTotal = bytes;
        return this;
    }

    @Override
    public MemberBuilder witness(boolean witness) {
        this.witness = witness;
        return this;
    }

    @Override
    public MemberBuilder timeouts(MemberTimeouts timeouts) {
        this.timeouts = timeouts;
        return this;
    }

    @Override
    public MemberBuilder hostAgent(HostAgent agent) {
        this.agent = agent;
        return this;
    }

    @Override
    public MemberBuilder agentExecutor(Executor executor) {
        this.agentExecutor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    @Override
    public MemberBuilder callbackExecutor(Executor executor) {
        this.callbackExecutor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    @Override
    public MemberBuilder meterRegistry(MeterRegistry registry) {
        this.meterRegistry = Objects.requireNonNull(registry, "registry");
        return this;
    }

    @Override
    public MemberBuilder tls(Path directory) {
        return transportSecurity(TransportSecurity.tls(Objects.requireNonNull(directory, "directory")));
    }

    @Override
    public MemberBuilder insecure() {
        return transportSecurity(TransportSecurity.insecure());
    }

    @Override
    public MemberBuilder eventRetention(int events) {
        if (events < 1) {
            throw new IllegalArgumentException("eventRetention must be at least 1 event, got " + events);
        }
        this.eventRetention = events;
        return this;
    }

    /**
     * Take a Raft snapshot every this many log entries (default {@value RaftSettings#SNAPSHOT_THRESHOLD}); tests lower
     * it to snapshot within a few writes.
     */
    public MemberBuilder snapshotEvery(long logEntries) {
        if (logEntries < 2) {
            throw new IllegalArgumentException("snapshotEvery must be at least 2 log entries, got " + logEntries);
        }
        this.snapshotEvery = logEntries;
        return this;
    }

    /** TLS with credentials already loaded (a test's pool shares them between members), or plain text. */
    public MemberBuilder transportSecurity(TransportSecurity security) {
        this.security = Objects.requireNonNull(security, "security");
        return this;
    }

    /** The filter the member's servers consult on every member-to-member message (cluster tests cut links with it). */
    public MemberBuilder linkFilter(LinkFilter filter) {
        this.linkFilter = filter;
        return this;
    }

    /**
     * How the member runs pool HA beyond the pool's {@code ha-timeout} (default {@link HaSettings#defaults()}: HA
     * heartbeats at least a second apart). Tests with HA timeouts of a few seconds lower the heartbeat floor.
     */
    public MemberBuilder haSettings(HaSettings settings) {
        this.haSettings = Objects.requireNonNull(settings, "settings");
        return this;
    }

    /**
     * Test-only: whether the member obeys {@code InjectLinkFault}, which tells it from outside (the CLI's
     * {@code link-cut}, {@code host-pull-cable}) to drop what given hosts send it: how tests pull a cable between
     * member processes without root. Default false: such calls are refused with {@code FAULT_INJECTION_DISABLED}. With
     * a {@link #linkFilter} too, a message either drops is dropped.
     */
    public MemberBuilder allowFaultInjection(boolean allow) {
        this.allowFaultInjection = allow;
        return this;
    }

    /**
     * The clock and threads the member's runtime uses (default: the system's). A manual one
     * ({@code io.poolkeeper.testing.ManualScheduler}) lets a test move the runtime's time by hand; Raft keeps its own.
     * One per member: the member closes it when it closes.
     */
    public MemberBuilder scheduler(Scheduler scheduler) {
        this.scheduler = scheduler;
        return this;
    }

    @Override
    public RatisPoolMember build() {
        List<String> missing = new ArrayList<>();
        if (hostUuid == null) {
            missing.add("hostUuid (this host's uuid)");
        }
        if (listenAddress == null) {
            missing.add("listenAddress (host:port to serve on; port 0 picks a free one)");
        }
        if (storage == null) {
            missing.add("storageDirectory (where the Raft log, snapshots and membership are kept)");
        }
        if (timeouts == null) {
            missing.add("timeouts (was set to null; unset, it is MemberTimeouts.defaults())");
        }
        if (agent == null) {
            missing.add("hostAgent (the HostAgent that runs this host's VMs; tests: a SimulatedHypervisor of"
                    + " poolkeeper-testing)");
        }
        if (security == null) {
            missing.add("tls(directory) or insecure() (the member's credentials: a member directory of poolkeeper"
                    + " pool-init-tls or tls-issue; or plain text on a network nobody else can reach)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException(
                    "the member is missing " + missing.size() + " required setting(s): " + String.join("; ", missing));
        }
        if (createPool != null && joinAddress != null) {
            throw new IllegalArgumentException("createPool and joinPool are exclusive");
        }
        int colon = listenAddress.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("listenAddress must be host:port, got " + listenAddress);
        }
        String host = listenAddress.substring(0, colon);
        int port = Integer.parseInt(listenAddress.substring(colon + 1));
        int raft;
        if (port == 0) {
            int[] free = freePorts(2);
            port = free[0];
            raft = raftPort != null ? raftPort : free[1];
        } else {
            raft = raftPort != null ? raftPort : port + 1;
        }
        Optional<InjectedLinkFaults> injected =
                allowFaultInjection ? Optional.of(new InjectedLinkFaults(hostUuid)) : Optional.empty();
        MemberMetrics metrics = MemberMetrics.of(Optional.ofNullable(meterRegistry), hostUuid);
        MemberConfig config = new MemberConfig(
                hostUuid,
                nameLabel != null ? nameLabel : hostUuid.toString().substring(0, 8),
                host,
                port,
                raft,
                storage,
                Optional.ofNullable(createPool),
                Optional.ofNullable(joinAddress),
                Optional.ofNullable(joinToken),
                memoryTotal != null ? memoryTotal : witness ? 0 : DEFAULT_MEMORY,
                witness,
                timeouts,
                metrics.meter(agent),
                faults(Optional.ofNullable(linkFilter), injected),
                haSettings,
                security.credentials(),
                Optional.ofNullable(agentExecutor),
                Optional.ofNullable(callbackExecutor),
                eventRetention,
                snapshotEvery,
                metrics);
        String self = hostUuid.toString();
        return new RatisPoolMember(
                config,
                scheduler != null ? scheduler : new SystemScheduler(self),
                new GrpcPeerLink(self, security),
                member -> {
                    PoolServer server = PoolServer.start(
                            config.host(),
                            config.servicePort(),
                            member,
                            config.faults().map(f -> FaultInterceptors.poolService(f, self)),
                            injected,
                            security);
                    return new RatisPoolMember.Endpoint() {
                        @Override
                        public int port() {
                            return server.port();
                        }

                        @Override
                        public void close() {
                            server.close();
                        }
                    };
                });
    }

    /** The member's link filter: the one given, the injected one, both, or none (nothing is consulted then). */
    private static Optional<LinkFilter> faults(Optional<LinkFilter> given, Optional<InjectedLinkFaults> injected) {
        if (given.isPresent() && injected.isPresent()) {
            return Optional.of(given.get().or(injected.get()));
        }
        return given.isPresent() ? given : injected.map(LinkFilter.class::cast);
    }

    /** {@code count} distinct free ports: each socket stays open until all are chosen. */
    private static int[] freePorts(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException e) {
                        // the port was free; nothing to undo
                    }
                }
            }
        }
    }
}
