package io.poolkeeper.ratis;

import io.poolkeeper.api.MemberTimeouts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The Ratis settings of a member, in one place: every trap of {@code reference/ratis-3.3.0.md} handled here
 * (storage not in /tmp, snapshots and retention on, purge up to the snapshot so a dead host cannot stall
 * compaction, linearizable reads, bounded client retries).
 *
 * <p>Public so that other Ratis programs can run under exactly a member's settings (the benchmark compares the pool
 * with a bare Ratis state machine); not part of the poolkeeper API.
 */
public final class RaftSettings {
    /** Take a snapshot every this many log entries (default). */
    public static final long SNAPSHOT_THRESHOLD = 4_096;

    private RaftSettings() {}

    public static RaftProperties server(Path storage, String host, int raftPort, MemberTimeouts timeouts) {
        return server(storage, host, raftPort, timeouts, SNAPSHOT_THRESHOLD);
    }

    /** The same, taking a snapshot every {@code snapshotEvery} log entries. */
    public static RaftProperties server(
            Path storage, String host, int raftPort, MemberTimeouts timeouts, long snapshotEvery) {
        if (snapshotEvery < 2) {
            throw new IllegalArgumentException("snapshots every " + snapshotEvery + " log entries: at least 2");
        }
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(storage.resolve("raft").toFile()));
        RaftServerConfigKeys.setRemovedGroupsDir(
                p, storage.resolve("raft-removed").toFile());
        GrpcConfigKeys.Server.setHost(p, host);
        GrpcConfigKeys.Server.setPort(p, raftPort);
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, duration(timeouts.electionTimeoutMin()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, duration(timeouts.electionTimeoutMax()));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, duration(timeouts.requestTimeout()));
        // A master that lost its majority steps down after a few election timeouts (default 10 s), so its member
        // counts as without a master, and reaches emergency mode, on the same clock as the others.
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(
                p, duration(timeouts.electionTimeoutMax().multipliedBy(3)));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, snapshotEvery);
        RaftServerConfigKeys.Snapshot.setCreationGap(p, snapshotEvery / 2);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, 1024);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf("1MB"));
        RaftServerConfigKeys.setStagingCatchupGap(p, 256);
        // The log appender holds a new entry until 1 ms (default) has passed since its last send to that follower,
        // and a synchronous write arrives just after the append that told the followers the previous write's
        // commit: it waited most of that millisecond twice (leader to each follower). Our group commit already makes
        // entries few under load, so the throttle buys nothing; measured in docs/BENCHMARKS.md (session 13).
        RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.ZERO);
        // Ratis 3.3.0 chains a follower's log appends on one future by default; once one append fails (in the nemesis
        // test, a batch run before the one it follows, right after a snapshot install) every later append fails
        // with the same exception without running, and the follower never catches up while its division lives: a
        // re-admitted host then blocks its own Raft configuration change. Unchained, a failed append is one failed
        // request the leader sends again (FollowerAppendFailureTest). The chain also ran a step of every append on the
        // JVM's common pool, which on two cores has one thread and then starts a thread per task; unchained, no member
        // needs a larger common pool (docs/BENCHMARKS.md, session 16).
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(p, false);
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, appenderRetryPolicy(timeouts));
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, duration(timeouts.requestTimeout()));
        return p;
    }

    /**
     * How long the leader's log appender waits before sending to a follower again after that follower's last
     * answers were errors. Ratis counts an INCONSISTENCY answer as one, and a follower holding entries the new leader
     * does not (an old master's, written while it was cut off) answers that once per entry as the leader walks back to
     * where their logs agree. Ratis's default waits 1 s from the eleventh answer on: longer than the election
     * timeout, so the follower, hearing nothing, stands for election, and a leader that needs it for its majority (a
     * 4-host pool with one host down) steps down; the next leader starts the walk again. Seen in the nemesis test
     * (seed 77996295073746: leaders elected and stepping down for 30 s over an old master's 13 extra entries). The
     * first 100 retries go at once, and every later one well inside the election timeout.
     */
    static String appenderRetryPolicy(MemberTimeouts timeouts) {
        // Ratis sleeps between 0.5 and 1.5 times this: at most a quarter of the shortest election timeout.
        long laterMs = Math.max(1, timeouts.electionTimeoutMin().toMillis() / 6);
        return "1ms,100, " + laterMs + "ms,1000000000";
    }

    public static RaftProperties client(MemberTimeouts timeouts) {
        RaftProperties p = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, duration(timeouts.requestTimeout()));
        RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 256);
        return p;
    }

    /** Bounded: Ratis' default retries forever, which would hang a caller in a leaderless partition. */
    public static RetryPolicy retryPolicy(MemberTimeouts timeouts) {
        long sleepMs = 50;
        int attempts = (int) Math.max(3, timeouts.requestTimeout().toMillis() / sleepMs);
        return RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                attempts, TimeDuration.valueOf(sleepMs, TimeUnit.MILLISECONDS));
    }

    /** The Raft group of a pool generation: derived, so every member computes the same id. */
    static RaftGroupId groupId(String poolUuid, long generation) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(
                (poolUuid + "/" + generation).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    static TimeDuration duration(Duration d) {
        return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
    }
}
