package io.poolkeeper.member;

import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.ha.HaSettings;
import io.poolkeeper.metrics.MemberMetrics;
import io.poolkeeper.port.LinkFilter;
import io.poolkeeper.tls.TlsCredentials;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Everything a member is configured with.
 *
 * @param hostId this host
 * @param nameLabel its name
 * @param host the interface to listen on
 * @param servicePort the PoolService port
 * @param raftPort the Raft port
 * @param storage the storage directory (Raft log, snapshots, membership, event journal)
 * @param createPool the name of a pool to create, if no pool is stored yet
 * @param joinAddress the address of a member of a pool to join, if no pool is stored yet
 * @param joinToken the join token to join it with (a new host needs one)
 * @param memoryTotal bytes offered to VMs
 * @param witness whether to join as a witness
 * @param timeouts the timeouts
 * @param agent the hypervisor bridge
 * @param faults the filter that drops messages of cut links (tests only: a test's shared filter, the switch of
 *     fault injection, or both)
 * @param ha how this member runs pool HA (heartbeat floor, drift bound, margin)
 * @param tls the member's credentials for mutual TLS on both transports; empty: plain text (explicitly insecure)
 * @param agentExecutor where host-agent calls run; empty: a bounded pool of the member's own
 * @param callbackExecutor where the futures of the member's pool complete; empty: the library's daemon threads
 * @param eventRetention how many of the latest events the member keeps (on disk, across restarts) for watchers
 * @param snapshotEvery take a Raft snapshot every this many log entries
 * @param metrics the member's meters ({@link MemberMetrics#none()} without a registry); {@code agent} is already
 *     metered by it
 */
public record MemberConfig(
        HostId hostId,
        String nameLabel,
        String host,
        int servicePort,
        int raftPort,
        Path storage,
        Optional<String> createPool,
        Optional<String> joinAddress,
        Optional<String> joinToken,
        long memoryTotal,
        boolean witness,
        MemberTimeouts timeouts,
        HostAgent agent,
        Optional<LinkFilter> faults,
        HaSettings ha,
        Optional<TlsCredentials> tls,
        Optional<Executor> agentExecutor,
        Optional<Executor> callbackExecutor,
        int eventRetention,
        long snapshotEvery,
        MemberMetrics metrics) {

    /** Events kept for watchers unless configured otherwise. */
    public static final int DEFAULT_EVENT_RETENTION = 100_000;

    public MemberConfig {
        if (eventRetention < 1) {
            throw new IllegalArgumentException("eventRetention must be at least 1, got " + eventRetention);
        }
        if (snapshotEvery < 2) {
            throw new IllegalArgumentException("snapshotEvery must be at least 2 log entries, got " + snapshotEvery);
        }
    }

    public String serviceAddress() {
        return host + ":" + servicePort;
    }

    public String raftAddress() {
        return host + ":" + raftPort;
    }
}
