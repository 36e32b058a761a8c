package io.poolkeeper.port;

import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a member serves to clients and to other members over PoolService: the transport calls this and nothing
 * else of the member runtime. Refusals are {@link io.poolkeeper.api.PoolException}s (thrown, or failing the future)
 * with a stable code.
 *
 * <p>Implementations are thread-safe.
 */
public interface MemberService {
    HostId hostId();

    /** The member's role right now. */
    MemberRole role();

    /**
     * Whether this member fenced itself and its host agent's hard stop has returned (until it is re-admitted): from
     * then on none of the host's VMs runs. A member is FENCED a moment before (it refuses writes first).
     */
    boolean fenceComplete();

    long generation();

    boolean isInEmergencyMode();

    /** Where this member's Raft server listens. */
    String raftAddress();

    /** The last entry of this member's Raft log. */
    LogPosition logPosition();

    /** This member's copy of the pool (a LOCAL read). */
    AppliedState applied();

    /** A command into the pool through this member: its answer once committed (and carried out by an agent). */
    CompletableFuture<ResultCodec.Reply> submit(PoolCommand command);

    /**
     * Runs {@code submits}, whose {@link #submit}s travel to the log together, in as few entries as the group commit
     * allows, rather than the first ones alone.
     */
    default <T> T together(Supplier<T> submits) {
        return submits.get();
    }

    /** The pool after a Raft read index: reflects every write acknowledged before the call. */
    CompletableFuture<AppliedState> readLinearizable();

    /** See {@link io.poolkeeper.api.Pool#watch(long, Consumer, Consumer)}. */
    Subscription watch(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError);

    CompletableFuture<Void> designateNewMaster(HostId host);

    /** The master's side of a join; see {@link PeerLink#join}. */
    CompletableFuture<HostRole> join(Operation.HostSpec host, String raftAddress, long generation, String joinToken);

    /** The master's side of a heartbeat. */
    Heartbeat.Answer onHeartbeat(Heartbeat beat);

    /** An HA heartbeat from another member: it reaches this one. Beats this member cannot use are ignored. */
    void onHaHeartbeat(HaBeat beat);

    void emergencyTransitionToMaster();

    void emergencyResetMaster(String masterAddress);

    List<HostId> recoverSlaves();
}
