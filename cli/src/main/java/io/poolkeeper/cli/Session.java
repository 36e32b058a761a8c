package io.poolkeeper.cli;

import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.rpc.TransportSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one CLI invocation talks to: the member addresses given with {@code -s}, the pool given with {@code --pool}
 * (the client refuses members of another pool), the read consistency, the output format, and a {@link PoolClient}
 * opened on first use and closed with the session. Not thread-safe.
 */
final class Session implements AutoCloseable {
    private final List<String> servers;
    private final Optional<PoolId> pool;
    /** The TLS directory; empty: plain text. */
    private final Optional<Path> tls;

    private final Duration timeout;
    private final ReadConsistency consistency;
    private final Printer printer;
    private PoolClient client;
    private TransportSecurity security;

    Session(
            List<String> servers,
            Optional<PoolId> pool,
            Optional<Path> tls,
            Duration timeout,
            ReadConsistency consistency,
            Printer printer) {
        if (servers.isEmpty()) {
            throw new UsageException("no member address: give -s host:port or set POOLKEEPER_SERVERS");
        }
        this.servers = List.copyOf(servers);
        this.pool = Objects.requireNonNull(pool, "pool");
        this.tls = Objects.requireNonNull(tls, "tls");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.consistency = consistency;
        this.printer = printer;
    }

    /** How this session talks to members: TLS with the credentials given, or plain text; loaded on first use. */
    TransportSecurity security() {
        if (security == null) {
            try {
                security = tls.map(TransportSecurity::tls).orElseGet(TransportSecurity::insecure);
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                throw new UsageException("--tls-dir " + tls.get() + ": " + e.getMessage());
            }
        }
        return security;
    }

    PoolClient client() {
        if (client == null) {
            GrpcPoolClient.Builder builder = GrpcPoolClient.builder()
                    .members(servers)
                    .requestTimeout(timeout)
                    .transportSecurity(security());
            pool.ifPresent(builder::poolUuid);
            client = builder.build();
        }
        return client;
    }

    /** The member per-member commands act on ({@code host-get-role}, the emergency commands): the first of -s. */
    String target() {
        return servers.get(0);
    }

    /** How long a call may take, failovers included. */
    Duration timeout() {
        return timeout;
    }

    ReadConsistency consistency() {
        return consistency;
    }

    Printer printer() {
        return printer;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
