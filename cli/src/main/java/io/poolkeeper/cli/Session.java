package io.poolkeeper.cli;

import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.model.PoolId;
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
    private final Duration timeout;
    private final ReadConsistency consistency;
    private final Printer printer;
    private PoolClient client;

    Session(
            List<String> servers,
            Optional<PoolId> pool,
            Duration timeout,
            ReadConsistency consistency,
            Printer printer) {
        if (servers.isEmpty()) {
            throw new UsageException("no member address: give -s host:port or set POOLKEEPER_SERVERS");
        }
        this.servers = List.copyOf(servers);
        this.pool = Objects.requireNonNull(pool, "pool");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.consistency = consistency;
        this.printer = printer;
    }

    PoolClient client() {
        if (client == null) {
            PoolClient.Builder builder = PoolClient.builder().members(servers).requestTimeout(timeout);
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
