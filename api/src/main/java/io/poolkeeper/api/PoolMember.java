package io.poolkeeper.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Executor;

/**
 * One host's membership in a pool: a replica of the pool's state, a Raft peer, and the service endpoint
 * other members and clients talk to. The embedder runs one per hypervisor host.
 *
 * <p>Lifecycle: {@link #builder()} ... {@code build()}, then {@link #start()}; {@link #close()} shuts down cleanly
 * (the master marks the host dead at once), {@link #kill()} abruptly. Either way the member is then
 * {@link MemberRole#CLOSED} for good: to restart, build a new member on the same storage directory, which resumes
 * where the old one stopped. Thread-safe.
 *
 * <p>Futures of {@link #pool()} never complete on the member's Raft threads: they complete on the
 * {@linkplain Builder#callbackExecutor callback executor}, so a callback may block, even on another pool call.
 */
public interface PoolMember extends AutoCloseable {
    /** A builder from the implementation on the class path (poolkeeper-ratis-statemachine). */
    static Builder builder() {
        return ServiceLoader.load(Provider.class)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no poolkeeper implementation on the class path (add poolkeeper-ratis-statemachine)"))
                .newMemberBuilder();
    }

    /**
     * Starts serving and replicating; returns once the member has joined or created its pool.
     *
     * @throws IllegalStateException if it was started already, or closed (a closed member is not restarted: build a
     *     new one on the same storage directory)
     */
    void start();

    HostId hostId();

    /** Where this member serves PoolService ({@code host:port}; the port chosen when port 0 was asked for). */
    String serviceAddress();

    /** What this member is doing now; {@link MemberRole#CLOSED} once closed or killed. */
    MemberRole role();

    /** Whether this member is in emergency mode (no master for longer than {@code emergency-after}). */
    boolean isInEmergencyMode();

    /** The pool generation this member belongs to. */
    long generation();

    /** The handle on the pool through this member. */
    Pool pool();

    /** {@code pool-emergency-transition-to-master}: only in emergency mode; re-founds the pool here (gen + 1). */
    void emergencyTransitionToMaster();

    /** {@code pool-emergency-reset-master}: drops this member's copy and joins the master at that address. */
    void emergencyResetMaster(String masterAddress);

    /** {@code pool-recover-slaves}: on the master; returns the hosts brought into its generation. */
    List<HostId> recoverSlaves();

    /**
     * Stops cleanly: a slave says goodbye (the master marks its host dead at once); what is still in flight fails,
     * later calls with {@code MEMBER_NOT_RUNNING}. Idempotent.
     */
    @Override
    void close();

    /**
     * Stops at once, as a crash of the host would look to the other members: no goodbye, so the master marks the host
     * dead only after {@code host-dead-after}, and HA treats it as a failed host. Calls in flight fail at once (their
     * outcome is unknown: they may still commit elsewhere), later ones with {@code MEMBER_NOT_RUNNING}; the method
     * returns once the ports are released (which may take a few seconds while Raft drains its channels). Nothing on
     * disk is removed, so a new member built on the same storage directory recovers like a host after a crash. For
     * failure tests and for an embedder whose host must stop without a word. Idempotent, and a no-op after
     * {@link #close()}.
     */
    void kill();

    /**
     * Configures a member. Required: host uuid, listen address, storage directory, host agent, and one of
     * {@link #tls} and {@link #insecure}; {@code build()} throws one {@link IllegalStateException} naming every one
     * missing. A new member also needs {@link #createPool} or {@link #joinPool} ({@code start()} names it); a
     * restart on a directory that already holds a pool needs neither.
     */
    interface Builder {
        Builder hostUuid(HostId hostUuid);

        Builder nameLabel(String nameLabel);

        /** {@code host:port} to serve on; port 0 picks a free one. */
        Builder listenAddress(String hostAndPort);

        Builder storageDirectory(Path directory);

        /** Creates a new one-member pool with this name, unless the storage directory already holds a pool. */
        Builder createPool(String poolNameLabel);

        /** Joins the pool whose master (or any member) serves at this address, unless already a member. */
        Builder joinPool(String memberAddress);

        /**
         * The join token ({@code PKJT-<id>.<secret>}, from {@link Pool#createJoinToken}) that lets this host join
         * as a new host; not needed to rejoin a new generation of a pool the host is in.
         */
        Builder joinToken(String token);

        /** Bytes of memory this host offers to VMs. */
        Builder memoryTotal(long bytes);

        /** Joins as a witness (votes, runs no VMs). */
        Builder witness(boolean witness);

        Builder timeouts(MemberTimeouts timeouts);

        /** The bridge to this host's hypervisor, which runs, stops and fences its VMs. Required. */
        Builder hostAgent(HostAgent agent);

        /**
         * Where this member's {@link HostAgent} calls run (see {@link HostAgent} for the calling protocol: one call
         * at a time per VM, calls for distinct VMs concurrently). By default a pool of the member's own, at most 16
         * threads; a call blocks its thread for as long as the hypervisor takes. It must run tasks on threads of its own
         * (not inline in {@code execute}): the member hands it work while applying the log.
         */
        Builder agentExecutor(Executor executor);

        /**
         * Where the futures of {@link PoolMember#pool()} complete, so where callbacks chained on them without an
         * executor run. Default: the library's own daemon threads (a cached pool shared by the members of the JVM).
         * Never a Raft thread either way, so a callback may block on another pool call, provided this executor can
         * run the completion of that call meanwhile (a single-thread executor cannot: do not block in callbacks on
         * one). If it rejects a task (it was shut down), the library's threads complete the future instead.
         */
        Builder callbackExecutor(Executor executor);

        /**
         * How many of the latest events the member keeps for {@link Pool#watch} (default 100,000): kept on disk under
         * the storage directory, so a watcher resuming from a token after a restart or a failover gets every event
         * after it, or {@code EVENTS_LOST} when that token is older than this many events.
         */
        Builder eventRetention(int events);

        /**
         * Where this member's meters go: Raft's term and indexes, its role, leader changes, commands by operation
         * (latency, outcome, rejections by code), batch sizes, hosts live and dead, VMs by power state, pool HA
         * (liveset, surviving partition, time to the self-fence deadline), host agent calls (latency, failures). Every
         * meter is named {@code poolkeeper.*} and tagged {@code host} with this member's host uuid, so members may
         * share a registry; they are removed from it when the member closes. Default: none, and no metrics cost. The
         * library never registers anything on {@code Metrics.globalRegistry}.
         */
        Builder meterRegistry(MeterRegistry registry);

        /**
         * Mutual TLS on both transports (PoolService and Raft) with the member credentials in {@code directory}
         * ({@code ca.pem}, {@code cert.pem}, {@code key.pem}, as {@code poolkeeper pool-init-tls} and {@code
         * tls-issue} write them): the member accepts only callers whose certificate chains to the pool's CA, and the
         * member-to-member calls only from members. The files are re-read when they change (certificate rotation
         * without a restart). One of this and {@link #insecure()} is required.
         */
        Builder tls(Path directory);

        /**
         * Plain text on both transports: anyone who reaches the ports can read the pool and call every RPC. Only for a
         * network nobody else can reach.
         */
        Builder insecure();

        PoolMember build();
    }

    /** SPI for member implementations, found with {@link ServiceLoader}; clients have {@link PoolClient.Provider}. */
    interface Provider {
        Builder newMemberBuilder();
    }
}
