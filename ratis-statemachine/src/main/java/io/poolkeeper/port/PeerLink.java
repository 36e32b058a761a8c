package io.poolkeeper.port;

import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.core.Operation;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * What a member asks of another member, by service address. Every call names the caller, so the receiver knows who
 * is calling (and a test's link faults can drop it). Refusals of the called member arrive as
 * {@link io.poolkeeper.api.PoolException}s with its code; an unreachable member as a
 * {@link io.poolkeeper.api.PoolUnavailableException}.
 *
 * <p>Implementations are thread-safe.
 */
public interface PeerLink extends AutoCloseable {

    /** The member's view of itself, within {@code deadline}. */
    CompletableFuture<PeerStatus> status(String address, Duration deadline);

    /**
     * {@link #status}, but connecting afresh first if need be: a member that restarted while an earlier connection to
     * it was failing answers within the deadline, where {@link #status} may fail at once until the link's reconnect
     * back-off (seconds) runs out.
     */
    CompletableFuture<PeerStatus> statusNow(String address, Duration deadline);

    /** A heartbeat to the master at {@code address}, within {@code deadline}. */
    CompletableFuture<Heartbeat.Answer> heartbeat(String address, Heartbeat beat, Duration deadline);

    /**
     * Completes once the connection to the member at {@code address} was open, closed, and a new one was refused: the
     * member's process is gone while its host still answers (a crash, a kill). Never completes for a member that stays
     * up, nor for a host gone silent (nothing refuses): those are for timeouts to find. One watch per address.
     */
    CompletableFuture<Void> whenGone(String address);

    /** An HA heartbeat to the member at {@code address}, within {@code deadline}; its answer means nothing. */
    CompletableFuture<Void> haHeartbeat(String address, HaBeat beat, Duration deadline);

    /**
     * Asks the member at {@code address} (the master) to add this host to its pool; blocks. {@code generation} 0
     * joins whatever generation it is in. {@code joinToken} (empty: none) lets a new host in; a host the pool has,
     * rejoining a new generation, needs none.
     *
     * @return the role the pool gave the host
     */
    HostRole join(
            String address,
            Operation.HostSpec host,
            String raftAddress,
            long generation,
            String joinToken,
            Duration timeout);

    /** {@code pool-emergency-reset-master} on the member at {@code address}: it rejoins the given master; blocks. */
    void emergencyResetMaster(String address, String masterAddress, long generation, Duration timeout);

    @Override
    void close();
}
