package io.poolkeeper.api;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A remote client of a pool, given any members' addresses. It sends writes to the master, follows master
 * changes and fails over between members by itself; it gives up on an operation only after its request timeout
 * ({@link PoolUnavailableException}). Thread-safe; close it when done.
 */
public interface PoolClient extends AutoCloseable {
    static Builder builder() {
        return ServiceLoader.load(PoolMember.Provider.class)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no poolkeeper implementation on the class path (add poolkeeper-ratis-statemachine)"))
                .newClientBuilder();
    }

    /** The pool, through whichever member answers. */
    Pool pool();

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

    /** Configures a client. */
    interface Builder {
        /** Member addresses ({@code host:port}); at least one. */
        Builder members(List<String> addresses);

        /** How long one operation may take, failovers included. */
        Builder requestTimeout(Duration timeout);

        PoolClient build();
    }
}
