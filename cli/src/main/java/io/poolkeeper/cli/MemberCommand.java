package io.poolkeeper.cli;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.boot.MemberBuilder;
import io.poolkeeper.http.StatusPage;
import io.poolkeeper.member.MemberConfig;
import io.poolkeeper.testing.SimulatedHypervisor;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code poolkeeper member}: a real pool member in this process, its host agent an in-memory
 * {@link SimulatedHypervisor}. Prints one line starting with {@value #READY} once it serves (scripts and tests wait
 * for it), and runs until SIGTERM or Ctrl-C, which close it cleanly.
 */
@Command(
        name = "member",
        description = {
            "Run a pool member with a simulated hypervisor until SIGTERM or Ctrl-C.",
            "It prints a line starting with '" + MemberCommand.READY + "' once it serves.",
            "Restarted on the same --data directory (and the same --listen port), it resumes its pool."
        },
        sortOptions = false)
final class MemberCommand implements Callable<Integer> {
    /** The start of the line printed once the member serves. */
    static final String READY = "poolkeeper member ready:";

    @Option(names = "--host-uuid", required = true, paramLabel = "UUID", description = "this host's uuid")
    String hostUuid;

    @Option(names = "--name-label", paramLabel = "NAME", description = "this host's name (default: uuid prefix)")
    String nameLabel;

    @Option(
            names = "--listen",
            paramLabel = "HOST:PORT",
            defaultValue = Cli.DEFAULT_SERVER,
            description = "the PoolService address (default ${DEFAULT-VALUE}); Raft listens on PORT + 1")
    String listen;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "storage directory")
    Path data;

    @ArgGroup(exclusive = true)
    PoolChoice pool;

    /** Create or join: exclusive, and both optional for a member whose directory already holds its pool. */
    static final class PoolChoice {
        @Option(names = "--create-pool", paramLabel = "NAME", description = "create a one-member pool")
        String create;

        @Option(names = "--join", paramLabel = "HOST:PORT", description = "join the pool of the member there")
        String join;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Security security;

    /** TLS or, explicitly, plain text: one is required, so nobody runs an open member by leaving an option out. */
    static final class Security {
        @Option(
                names = "--tls-dir",
                paramLabel = "DIR",
                description = "this member's TLS credentials (ca.pem, cert.pem, key.pem: a member directory of"
                        + " pool-init-tls or tls-issue); re-read when they change")
        Path tlsDir;

        @Option(
                names = "--insecure",
                description = "plain text: anyone who reaches the ports can read the pool and call every RPC")
        boolean insecure;
    }

    /** The memory a host offers VMs unless {@code --memory} says; a witness offers none. */
    static final String DEFAULT_MEMORY = "16GiB";

    @Option(
            names = "--memory",
            paramLabel = "SIZE",
            description = "memory this host offers VMs (default " + DEFAULT_MEMORY + "; 0 with --witness)")
    String memory;

    /** Where {@code --join-token} is read from when not given: a token on the command line shows in {@code ps}. */
    static final String ENV_JOIN_TOKEN = "POOLKEEPER_JOIN_TOKEN";

    @Option(
            names = "--join-token",
            paramLabel = "TOKEN",
            description = "the join token (pool-join-token-create) that lets a new host --join; default: the"
                    + " environment variable " + ENV_JOIN_TOKEN)
    String joinToken;

    @Option(
            names = "--witness",
            description = "join as a witness: votes and counts in HA partitions, runs no VMs, needs no --memory")
    boolean witness;

    @Option(
            names = "--event-retention",
            paramLabel = "N",
            description = "how many of the latest events the member keeps on disk for event-watch (default"
                    + " ${DEFAULT-VALUE}); a watcher further behind gets EVENTS_LOST first")
    int eventRetention = MemberConfig.DEFAULT_EVENT_RETENTION;

    @Mixin
    TimeoutOptions timeouts = new TimeoutOptions();

    @Option(
            names = "--allow-fault-injection",
            description = "tests only: obey link-cut, link-heal, host-pull-cable and host-plug-cable, which make this"
                    + " member drop what other hosts send it; never in production")
    boolean allowFaultInjection;

    @Option(
            names = "--http-listen",
            paramLabel = "HOST:PORT",
            description = "serve a read-only status page (plain HTTP, no authentication: it shows the pool's hosts,"
                    + " VMs and SRs to whoever reaches it; bind it to loopback or a management network)")
    String httpListen;

    @Option(
            names = "--metrics-listen",
            paramLabel = "HOST:PORT",
            description = "serve the member's meters (poolkeeper_*, Raft, JVM) at http://HOST:PORT/metrics in"
                    + " Prometheus text format; no authentication, so bind it where only the monitoring reaches")
    String metricsListen;

    @Option(names = "--watch-parent", hidden = true, description = "exit when the parent process exits")
    boolean watchParent;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "show this help")
    boolean help;

    private final PrintStream out;
    private final PrintStream err;

    private final Map<String, String> env;

    MemberCommand(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        HostId host = Invocation.parse("--host-uuid", hostUuid, HostId::of);
        long bytes = memory != null
                ? Invocation.parse("--memory", memory, Values::bytes)
                : witness ? 0 : Values.bytes(DEFAULT_MEMORY);
        MemberTimeouts t;
        try {
            t = timeouts.resolve(MemberTimeouts.defaults());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (httpListen != null && !httpListen.matches("[^\\s]+:\\d{1,5}")) {
            throw new UsageException("--http-listen must be HOST:PORT, got " + httpListen);
        }
        Optional<InetSocketAddress> metricsAddress = metricsListen == null
                ? Optional.empty()
                : Optional.of(Invocation.parse("--metrics-listen", metricsListen, MemberCommand::hostPort));
        Files.createDirectories(data);
        if (security.insecure) {
            err.println("poolkeeper member: WARNING: --insecure: plain text, no authentication; anyone who reaches "
                    + listen + " can read this pool, join it and call every RPC");
            err.flush();
        }
        // The implementation's builder, not PoolMember.builder(): fault injection is a test switch the public API
        // does not offer.
        if (eventRetention < 1) {
            throw new UsageException("--event-retention must be at least 1, got " + eventRetention);
        }
        MemberBuilder builder = new MemberBuilder()
                .allowFaultInjection(allowFaultInjection)
                .hostUuid(host)
                .listenAddress(listen)
                .storageDirectory(data)
                .memoryTotal(bytes)
                .witness(witness)
                .eventRetention(eventRetention)
                .timeouts(t)
                .hostAgent(new SimulatedHypervisor(host, bytes));
        if (security.insecure) {
            builder.insecure();
        } else {
            try {
                builder.tls(security.tlsDir);
            } catch (IllegalArgumentException | UncheckedIOException e) {
                throw new UsageException("--tls-dir " + security.tlsDir + ": " + e.getMessage());
            }
        }
        if (nameLabel != null) {
            builder.nameLabel(nameLabel);
        }
        if (pool != null && pool.create != null) {
            builder.createPool(pool.create);
        } else if (pool != null) {
            builder.joinPool(pool.join);
            String token = joinToken != null ? joinToken : env.get(ENV_JOIN_TOKEN);
            if (token != null) {
                builder.joinToken(token);
            }
        }
        Optional<PrometheusMeterRegistry> registry = metricsAddress.map(a -> meters());
        registry.ifPresent(builder::meterRegistry);
        PoolMember member = builder.build();
        AtomicReference<StatusPage> page = new AtomicReference<>();
        Optional<MetricsEndpoint> endpoint;
        try {
            endpoint = metricsAddress.map(a -> MetricsEndpoint.start(a.getHostString(), a.getPort(), registry.get()));
        } catch (UncheckedIOException e) {
            err.println("poolkeeper member: could not start: " + e.getMessage() + ": " + e.getCause());
            err.flush();
            return ExitStatus.FAILED;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            Optional.ofNullable(page.get()).ifPresent(StatusPage::close);
                            member.close();
                            endpoint.ifPresent(MetricsEndpoint::close);
                            out.println("poolkeeper member stopped: host-uuid=" + host);
                            out.flush();
                            closed.countDown();
                        },
                        "member-shutdown"));
        if (watchParent) {
            ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
        }
        try {
            member.start();
        } catch (RuntimeException e) {
            endpoint.ifPresent(MetricsEndpoint::close);
            err.println("poolkeeper member: could not start: " + e.getMessage());
            err.flush();
            return ExitStatus.FAILED;
        }
        if (httpListen != null) {
            try {
                page.set(StatusPage.start(member, httpListen));
            } catch (IllegalArgumentException | UncheckedIOException e) {
                err.println("poolkeeper member: --http-listen: " + e.getMessage());
                err.flush();
                member.close();
                endpoint.ifPresent(MetricsEndpoint::close);
                return ExitStatus.FAILED;
            }
        }
        out.println(READY + " host-uuid=" + host + " address=" + address(member) + " role=" + member.role()
                + " generation=" + member.generation() + (allowFaultInjection ? " fault-injection=allowed" : "")
                + (page.get() != null ? " status-page=http://" + page.get().address() + "/" : "")
                + endpoint.map(e -> " metrics=" + metricsAddress.get().getHostString() + ":" + e.port())
                        .orElse(""));
        out.flush();
        closed.await();
        return ExitStatus.OK;
    }

    /** The registry the endpoint scrapes: the member's meters and this JVM's. */
    private static PrometheusMeterRegistry meters() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /** {@code HOST:PORT}, port 0 to 65535 (0: a free one). */
    static InetSocketAddress hostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range in '" + text + "'");
        }
        return InetSocketAddress.createUnresolved(text.substring(0, colon), port);
    }

    /**
     * The address the member serves on. {@link PoolMember} does not expose it, so a port chosen by the system
     * ({@code :0}) is read from the Ratis implementation.
     */
    private String address(PoolMember member) {
        return member.serviceAddress();
    }
}
