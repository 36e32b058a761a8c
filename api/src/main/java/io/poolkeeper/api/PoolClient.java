package io.poolkeeper.api;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PoolId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A remote client of a pool, given any members' addresses. It sends writes to the master, follows master
 * changes and fails over between members by itself; it gives up on an operation only after its request timeout
 * ({@link PoolUnavailableException}, or {@link IndeterminateOutcomeException} {@code TIMEOUT} "no answer from
 * host:port within 10 s" for a write that may have been applied: retry it with {@link Pool#withRequestId}). One
 * exception: while no member has ever answered it, a client whose every address refuses the connection (nothing
 * listens, an unknown host, a failed TLS handshake) fails at once with {@code NO_MASTER} "no member reachable among
 * [a, b]: a connection refused; b connection refused" rather than wait out its timeout; once it has reached the
 * pool it waits for members that restart or elect a master. Thread-safe; close it when done.
 *
 * <p>A client serves one pool (DESIGN §8): the one given to {@link Builder#poolUuid}, else the one the first member
 * to answer belongs to. Every request names that pool, and a member of another pool (an address re-provisioned to
 * another pool, a stale list) is treated as no member at all: the client tries the next address, and when no
 * address given serves the pool it fails with {@link ErrorCode#POOL_MISMATCH}.
 */
public interface PoolClient extends AutoCloseable {
    static Builder builder() {
        return ServiceLoader.load(Provider.class)
                .findFirst()
                .orElseThrow(() ->
                        new IllegalStateException("no poolkeeper client on the class path (add poolkeeper-client)"))
                .newClientBuilder();
    }

    /** The pool, through whichever member answers. */
    Pool pool();

    /** The pool this client is pinned to: given to the builder, or learned from the first answer; empty before. */
    Optional<PoolId> poolUuid();

    /** The role the member at {@code address} reports (for {@code host-get-role}). */
    MemberRole roleOf(String address);

    /** Whether the member at {@code address} is in emergency mode. */
    boolean isInEmergencyMode(String address);

    /**
     * {@code pool-emergency-transition-to-master} on the member at {@code address}: only in emergency mode; it
     * re-founds the pool from its local copy as master of the next generation.
     */
    void emergencyTransitionToMaster(String address);

    /**
     * {@code pool-emergency-reset-master} on the member at {@code address}: it drops its copy and joins the master
     * serving at {@code masterAddress}.
     */
    void emergencyResetMaster(String address, String masterAddress);

    /** {@code pool-recover-slaves} on the master at {@code address}: the hosts brought into its generation. */
    List<HostId> recoverSlaves(String address);

    @Override
    void close();

    /**
     * Configures a client. Required: {@link #members} and one of {@link #tls} and {@link #insecure}; {@code build()}
     * throws one {@link IllegalStateException} naming every one missing.
     */
    interface Builder {
        /** Member addresses ({@code host:port}); at least one. */
        Builder members(List<String> addresses);

        /** How long one operation may take, failovers included. */
        Builder requestTimeout(Duration timeout);

        /**
         * The pool the members must belong to. Optional: without it the client pins the pool of the first member
         * that answers, so give it whenever the addresses may be stale.
         */
        Builder poolUuid(PoolId pool);

        /**
         * Mutual TLS with the credentials in {@code directory} ({@code ca.pem}, {@code cert.pem}, {@code key.pem}, as
         * {@code poolkeeper pool-init-tls} and {@code tls-issue} write them). A client certificate reads and submits
         * commands; the emergency calls need a member's. One of this and {@link #insecure()} is required.
         */
        Builder tls(Path directory);

        /** Plain text, for a pool whose members run without TLS: anyone on the network can read and forge calls. */
        Builder insecure();

        /** @throws IllegalStateException naming what is missing: the members, or {@link #tls}/{@link #insecure} */
        PoolClient build();
    }

    /** SPI for client implementations, found with {@link ServiceLoader}; poolkeeper-client registers one. */
    interface Provider {
        Builder newClientBuilder();
    }
}
