package io.poolkeeper.api;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.VmId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A handle on a pool: every operation of the pool, asynchronous. Obtained from {@link PoolMember#pool()} (embedded)
 * or {@link PoolClient#pool()} (remote); both behave the same.
 *
 * <p>Each future completes with the operation's result once the pool committed it, or exceptionally with a
 * {@link PoolException}: {@link PoolRejectedException} (stable code, nothing changed),
 * {@link PoolUnavailableException} (retry) or {@link IndeterminateOutcomeException}. Operations carried out by a
 * host agent (VM start, shutdown, ...) complete once the agent did it. Thread-safe. {@link #blocking()} gives the
 * same operations as blocking calls.
 *
 * <p>Threads: an embedded pool's futures complete on the member's callback executor
 * ({@link PoolMember.Builder#callbackExecutor}), a remote one's on the client's gRPC threads; never on a Raft thread,
 * so a callback may itself call the pool, blocking included. A future already complete when returned (a
 * {@code LOCAL} read) runs the callbacks chained on it on the caller's thread.
 *
 * <h2>Retrying a write</h2>
 *
 * Every write carries a request id, and the pool applies a request id once: a write sent again with the id of one
 * already applied changes nothing and is answered with the first attempt's result. By default each call makes a
 * fresh id, so retrying a call is a second write: after an {@link IndeterminateOutcomeException} (a timeout while a
 * slow agent starts the VM, a master lost mid-commit) a second {@code startVm} may be refused with
 * {@code VM_BAD_POWER_STATE} although the first one worked. To retry safely, choose the id yourself with
 * {@link #withRequestId} and send the same write with the same id again:
 *
 * <pre>{@code
 * BlockingPool once = pool.blocking().withRequestId(UUID.randomUUID().toString()); // one id, one write
 * try {
 *     once.startVm(vm, Optional.empty(), false);
 * } catch (IndeterminateOutcomeException e) {
 *     once.startVm(vm, Optional.empty(), false); // applied at most once; the first attempt's answer
 * }
 * }</pre>
 *
 * A retry answered from the pool's memory gets exactly what the first attempt got, including for an operation
 * carried out by a host agent: a retry while the agent is still at work waits for the same answer (the agent is
 * not called again), one after it finished gets the final answer. The pool remembers an id for at least 5 minutes
 * of pool time and at most its newest 250,000 ids (whichever is reached first; {@code AppliedRequests} argues
 * these); a retry later than that is a new write. The agent's final answer is kept for the same 5 minutes by the
 * member that took the first attempt (the embedded member; for a remote client, the member it sent the write to,
 * which is where its retry goes first). A retry that reaches another member after the agent answered, or one whose
 * first attempt gave up waiting for the agent on the member's side too, gets what the pool logged when the
 * operation began (for a start, the host chosen) even if the agent then failed: read the VM's power state to be
 * sure.
 */
public interface Pool {
    // --- reads

    /** The pool's state, from this member's copy ({@code LOCAL}) or after a quorum check. */
    CompletableFuture<PoolView> read(ReadConsistency consistency);

    /**
     * As {@link #watch(long, Consumer, Consumer)}, with an {@code onError} that logs what the listener threw (a
     * {@code WARNING} of the {@link System.Logger} {@code io.poolkeeper.api.Pool}) and goes on delivering.
     */
    default Subscription watch(long fromToken, Consumer<PoolEvent> listener) {
        return watch(fromToken, listener, error -> System.getLogger(Pool.class.getName())
                .log(
                        System.Logger.Level.WARNING,
                        "a watch listener threw; delivery goes on with the next event",
                        error));
    }

    /**
     * Delivers every event with a token greater than {@code fromToken}, in order and without gaps, until the
     * subscription is closed. Pass 0 to start with what the pool retains. Each subscription delivers on its own
     * thread, one event at a time; a slow listener delays only its own subscription.
     *
     * <p>Retention: a member keeps the latest 100,000 events ({@link PoolMember.Builder#eventRetention}), on disk:
     * a subscriber resuming from a token after a member restart or a master change, on any member, gets every event
     * after it. A subscriber that asks for (or falls behind to) older ones first gets a synthetic {@link
     * PoolEvent.Kind#ALERT} named {@code EVENTS_LOST} with params {@code from-token} (the token it was at) and {@code
     * oldest-token} (the oldest event retained), whose token is one less than the oldest event that follows, then
     * continues from the oldest event retained: re-read the pool ({@link #read}) to catch up on what was missed. A
     * member that caught up through a snapshot of the master's (it was far behind) holds no events before that
     * snapshot. When the member moves to another pool generation (an emergency
     * transition or reset, a rejoin), tokens start again from 1: the subscriber gets an {@code EVENTS_LOST} alert with
     * token 0, then the new generation's events from token 1. The same holds for a remote {@link PoolClient}, which
     * also resumes after the last token delivered when it moves to another member.
     *
     * <p>A listener that throws does not end the subscription: that event counts as delivered (it is not delivered
     * again), {@code onError} receives what was thrown, on the delivery thread before the next event, and delivery
     * goes on with the next event. To stop, close the subscription (from the listener or {@code onError} too). What
     * {@code onError} itself throws is logged and ignored. Embedded and remote subscriptions behave the same.
     *
     * @param fromToken the last token already seen (0: from the oldest retained event)
     * @param listener receives each event
     * @param onError receives what {@code listener} threw
     */
    Subscription watch(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError);

    // --- pool

    /** Planned master change; completes once {@code host} is master. */
    CompletableFuture<Void> designateNewMaster(HostId host);

    /** Removes a host from the pool; its member wipes its copy and becomes standalone. */
    CompletableFuture<Void> eject(HostId host);

    /** {@code pool-param-set key=value}: {@code name-label}, {@code default-SR}, {@code ha-*}. */
    CompletableFuture<Void> setParam(String key, String value);

    /** Arms pool HA on every member; every host must be live. {@code timeout} empty keeps the current T. */
    CompletableFuture<Void> enableHa(Optional<Duration> timeout);

    CompletableFuture<Void> disableHa();

    /**
     * {@code pool-ha-compute-max-host-failures-to-tolerate}: the most host failures the pool's protected VMs can be
     * restarted after, every failure sequence considered (xapi's planner), computed over a linearizable read. Changes
     * nothing.
     */
    CompletableFuture<Integer> computeMaxHostFailuresToTolerate();

    /**
     * {@code pool-ha-compute-hypothetical-max-host-failures-to-tolerate}: as {@link #computeMaxHostFailuresToTolerate}
     * if exactly the VMs of {@code configuration} given priority {@code restart} were protected. Refused with
     * {@code HANDLE_INVALID} if a VM does not exist.
     */
    CompletableFuture<Integer> computeHypotheticalMaxHostFailuresToTolerate(
            SortedMap<VmId, HaRestartPriority> configuration);

    /**
     * {@code pool-join-token-create}: issues a join token valid for {@code validity} (more than zero, at most 30
     * days), for any number of joins until it expires or is revoked. The secret is made here, on the caller's side,
     * and only its hash is replicated: the returned {@link JoinToken#token} is the one copy. Refused with
     * {@code JOIN_TOKEN_LIMIT_REACHED} when the pool has 100 live tokens.
     */
    CompletableFuture<JoinToken> createJoinToken(Duration validity);

    /** {@code pool-join-token-revoke}: the token with this id no longer lets anyone join; refused if unknown. */
    CompletableFuture<Void> revokeJoinToken(String id);

    // --- hosts

    /** {@code host-forget}: the host must be dead; its VMs become Halted (returned) and it leaves the pool. */
    CompletableFuture<List<VmId>> forgetHost(HostId host);

    /** {@code host-declare-dead}: the host must be dead; its VMs become Halted (returned); it is disabled. */
    CompletableFuture<List<VmId>> declareHostDead(HostId host);

    CompletableFuture<Void> enableHost(HostId host);

    CompletableFuture<Void> disableHost(HostId host);

    /** Migrates every VM off the host, or none if any has no place; returns where each went. */
    CompletableFuture<SortedMap<VmId, HostId>> evacuateHost(HostId host);

    // --- VMs

    CompletableFuture<VmId> createVm(VmSpec spec);

    CompletableFuture<Void> destroyVm(VmId vm);

    /** {@code vm-param-set}: {@code name-label}, {@code memory}, {@code vcpus}, {@code affinity}, {@code ha-*}. */
    CompletableFuture<Void> setVmParam(VmId vm, String key, String value);

    /** Starts a Halted VM on {@code on} or a host the pool chooses; returns the host. */
    CompletableFuture<HostId> startVm(VmId vm, Optional<HostId> on, boolean paused);

    CompletableFuture<Void> shutdownVm(VmId vm, boolean force);

    CompletableFuture<Void> rebootVm(VmId vm, boolean force);

    CompletableFuture<Void> suspendVm(VmId vm);

    CompletableFuture<HostId> resumeVm(VmId vm, Optional<HostId> on);

    CompletableFuture<Void> pauseVm(VmId vm);

    CompletableFuture<Void> unpauseVm(VmId vm);

    CompletableFuture<HostId> migrateVm(VmId vm, HostId host);

    /** {@code vm-reset-powerstate --force}: database only; the VM's host must be dead. */
    CompletableFuture<Void> resetVmPowerState(VmId vm, boolean force);

    // --- storage

    CompletableFuture<SrId> createSr(SrSpec spec);

    CompletableFuture<Void> forgetSr(SrId sr);

    CompletableFuture<PbdId> createPbd(PbdId pbd, SrId sr, HostId host, SortedMap<String, String> deviceConfig);

    CompletableFuture<Void> plugPbd(PbdId pbd);

    CompletableFuture<Void> unplugPbd(PbdId pbd);

    CompletableFuture<VdiId> createVdi(VdiId vdi, SrId sr, String nameLabel, long virtualSize);

    CompletableFuture<Void> destroyVdi(VdiId vdi);

    CompletableFuture<VbdId> createVbd(VbdId vbd, VmId vm, VdiId vdi, String device);

    CompletableFuture<Void> destroyVbd(VbdId vbd);

    /**
     * A view of this pool whose writes all carry {@code requestId}, so that one write sent again after an
     * {@link IndeterminateOutcomeException} is applied once and answered with the first attempt's result (see
     * "Retrying a write" above). An id names one logical write: use a view for one write and its retries, and a new
     * id for the next write. A view refuses a second, different write with {@code INVALID_VALUE}; a write given the
     * id of another, already applied write is not applied and gets that write's answer (or {@code INVALID_VALUE}
     * when the answer cannot be this write's). Reads, {@link #watch} and {@link #designateNewMaster} (which
     * completes once the host is master, however often it is called) are this pool's. {@link #createJoinToken}
     * makes its secret on the caller's side: retry it through the same view to get the secret that was applied.
     *
     * @param requestId non-empty, not blank, at most 128 characters; a {@link java.util.UUID} fits
     * @throws PoolRejectedException {@code INVALID_VALUE} for an empty, blank or longer id
     */
    Pool withRequestId(String requestId);

    /** The same operations as blocking calls that throw {@link PoolException}. */
    default BlockingPool blocking() {
        return new BlockingPool(this);
    }
}
