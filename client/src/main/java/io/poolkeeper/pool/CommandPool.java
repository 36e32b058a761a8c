package io.poolkeeper.pool;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolRejectedException;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.SrSpec;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.core.Result;
import io.poolkeeper.core.ha.FailoverPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Pool} that turns each operation into a {@link PoolCommand} with a fresh request id (or the one of a
 * {@link #withRequestId} view) and hands it to {@link #submit}; the embedded member and the remote client differ only
 * in how they submit and read.
 */
public abstract class CommandPool implements Pool {

    /** Submits one command; completes with its result or refusal, or exceptionally with a {@link PoolException}. */
    public abstract CompletableFuture<ResultCodec.Reply> submit(PoolCommand command);

    /** Runs an operation under a fresh request id; a refusal completes the future with {@link PoolException}. */
    protected CompletableFuture<Result> run(Operation operation) {
        return run(operation, UUID.randomUUID().toString());
    }

    /**
     * Runs an operation under {@code requestId}: every write passes here, a {@link #withRequestId} view's too (it
     * calls its pool's), so a pool that changes how its writes complete overrides this one.
     */
    protected CompletableFuture<Result> run(Operation operation, String requestId) {
        return submit(new PoolCommand(requestId, 0, 0, operation)).thenApply(CommandPool::resultOrThrow);
    }

    /** The secret of a join token this pool creates: a fresh one for each. */
    protected JoinTokenText newJoinToken() {
        return JoinTokenText.generate();
    }

    @Override
    public Pool withRequestId(String requestId) {
        return new RequestIdPool(this, requestId);
    }

    public static Result resultOrThrow(ResultCodec.Reply reply) {
        if (reply.rejection().isPresent()) {
            Rejection r = reply.rejection().get();
            throw PoolException.of(r.code(), r.params(), r.message());
        }
        return reply.result().orElseThrow();
    }

    private CompletableFuture<Void> done(Operation operation) {
        return run(operation).thenApply(r -> null);
    }

    private CompletableFuture<HostId> placed(Operation operation) {
        return run(operation).thenApply(r -> as(Result.Placed.class, r).host());
    }

    private CompletableFuture<List<VmId>> halted(Operation operation) {
        return run(operation).thenApply(r -> as(Result.VmsHalted.class, r).vms());
    }

    /**
     * {@code result} as the kind {@code type} the operation returns. Another kind means the request id was first
     * applied for another operation, whose result the pool answered with: refused rather than a ClassCastException.
     */
    private static <R extends Result> R as(Class<R> type, Result result) {
        if (!type.isInstance(result)) {
            throw new PoolRejectedException(
                    ErrorCode.INVALID_VALUE,
                    List.of("request-id", result.getClass().getSimpleName()),
                    "the request id was already applied for another operation (its result was "
                            + result.getClass().getSimpleName() + "); nothing was applied: use a new id for a new"
                            + " write");
        }
        return type.cast(result);
    }

    @Override
    public CompletableFuture<Void> eject(HostId host) {
        return done(new Operation.PoolEject(host));
    }

    @Override
    public CompletableFuture<Void> setParam(String key, String value) {
        return done(new Operation.PoolParamSet(key, value));
    }

    @Override
    public CompletableFuture<Void> enableHa(Optional<Duration> timeout) {
        return done(new Operation.PoolHaEnable(timeout.map(Duration::toMillis).orElse(0L)));
    }

    @Override
    public CompletableFuture<Void> disableHa() {
        return done(new Operation.PoolHaDisable());
    }

    // The secret is made here, on the caller's side, and only its hash is logged: the log, snapshots and reads never
    // hold what lets a host join.
    @Override
    public CompletableFuture<io.poolkeeper.api.JoinToken> createJoinToken(Duration validity) {
        JoinTokenText token = newJoinToken();
        return run(new Operation.PoolJoinTokenCreate(token.id(), token.secretSha256(), millis(validity)))
                .thenApply(r -> new io.poolkeeper.api.JoinToken(
                        token.text(),
                        token.id(),
                        Instant.ofEpochMilli(
                                as(Result.JoinTokenCreated.class, r).expiresAtMillis())));
    }

    @Override
    public CompletableFuture<Void> revokeJoinToken(String id) {
        return done(new Operation.PoolJoinTokenRevoke(id));
    }

    // A pure computation over a linearizable read: the planner runs here, on the caller's side, so no new RPC.
    @Override
    public CompletableFuture<Integer> computeMaxHostFailuresToTolerate() {
        return read(ReadConsistency.LINEARIZABLE)
                .thenApply(view -> FailoverPlan.maxHostFailuresToTolerate(PoolState.fromView(view)));
    }

    @Override
    public CompletableFuture<Integer> computeHypotheticalMaxHostFailuresToTolerate(
            SortedMap<VmId, HaRestartPriority> configuration) {
        SortedMap<VmId, HaRestartPriority> copy = new TreeMap<>(configuration);
        return read(ReadConsistency.LINEARIZABLE).thenApply(view -> {
            for (VmId vm : copy.keySet()) {
                if (!view.vms().containsKey(vm)) {
                    throw new PoolRejectedException(
                            ErrorCode.HANDLE_INVALID,
                            List.of("VM", vm.toString()),
                            ErrorCode.HANDLE_INVALID.description() + " [VM, " + vm + "]");
                }
            }
            return FailoverPlan.hypotheticalMaxHostFailuresToTolerate(PoolState.fromView(view), copy);
        });
    }

    @Override
    public CompletableFuture<List<VmId>> forgetHost(HostId host) {
        return halted(new Operation.HostForget(host));
    }

    @Override
    public CompletableFuture<List<VmId>> declareHostDead(HostId host) {
        return halted(new Operation.HostDeclareDead(host));
    }

    @Override
    public CompletableFuture<Void> enableHost(HostId host) {
        return done(new Operation.HostEnable(host));
    }

    @Override
    public CompletableFuture<Void> disableHost(HostId host) {
        return done(new Operation.HostDisable(host));
    }

    @Override
    public CompletableFuture<SortedMap<VmId, HostId>> evacuateHost(HostId host) {
        return run(new Operation.HostEvacuate(host))
                .thenApply(r -> as(Result.Evacuation.class, r).moves());
    }

    @Override
    public CompletableFuture<VmId> createVm(VmSpec spec) {
        return run(new Operation.VmCreate(
                        spec.uuid(),
                        spec.nameLabel(),
                        spec.memory(),
                        spec.vcpus(),
                        spec.affinity(),
                        spec.haRestartPriority(),
                        spec.order()))
                .thenApply(r -> spec.uuid());
    }

    @Override
    public CompletableFuture<Void> destroyVm(VmId vm) {
        return done(new Operation.VmDestroy(vm));
    }

    @Override
    public CompletableFuture<Void> setVmParam(VmId vm, String key, String value) {
        return done(new Operation.VmParamSet(vm, key, value));
    }

    @Override
    public CompletableFuture<HostId> startVm(VmId vm, Optional<HostId> on, boolean paused) {
        return placed(new Operation.VmStart(vm, on, paused));
    }

    @Override
    public CompletableFuture<Void> shutdownVm(VmId vm, boolean force) {
        return done(new Operation.VmShutdown(vm, force));
    }

    @Override
    public CompletableFuture<Void> rebootVm(VmId vm, boolean force) {
        return done(new Operation.VmReboot(vm, force));
    }

    @Override
    public CompletableFuture<Void> suspendVm(VmId vm) {
        return done(new Operation.VmSuspend(vm));
    }

    @Override
    public CompletableFuture<HostId> resumeVm(VmId vm, Optional<HostId> on) {
        return placed(new Operation.VmResume(vm, on));
    }

    @Override
    public CompletableFuture<Void> pauseVm(VmId vm) {
        return done(new Operation.VmPause(vm));
    }

    @Override
    public CompletableFuture<Void> unpauseVm(VmId vm) {
        return done(new Operation.VmUnpause(vm));
    }

    @Override
    public CompletableFuture<HostId> migrateVm(VmId vm, HostId host) {
        return placed(new Operation.VmMigrate(vm, host));
    }

    @Override
    public CompletableFuture<Void> resetVmPowerState(VmId vm, boolean force) {
        return done(new Operation.VmResetPowerstate(vm, force));
    }

    @Override
    public CompletableFuture<SrId> createSr(SrSpec spec) {
        return run(new Operation.SrCreate(
                        spec.uuid(), spec.nameLabel(), spec.type(), spec.shared(), spec.deviceConfig(), spec.pbds()))
                .thenApply(r -> spec.uuid());
    }

    @Override
    public CompletableFuture<Void> forgetSr(SrId sr) {
        return done(new Operation.SrForget(sr));
    }

    @Override
    public CompletableFuture<PbdId> createPbd(PbdId pbd, SrId sr, HostId host, SortedMap<String, String> deviceConfig) {
        return run(new Operation.PbdCreate(pbd, sr, host, deviceConfig)).thenApply(r -> pbd);
    }

    @Override
    public CompletableFuture<Void> plugPbd(PbdId pbd) {
        return done(new Operation.PbdPlug(pbd));
    }

    @Override
    public CompletableFuture<Void> unplugPbd(PbdId pbd) {
        return done(new Operation.PbdUnplug(pbd));
    }

    @Override
    public CompletableFuture<VdiId> createVdi(VdiId vdi, SrId sr, String nameLabel, long virtualSize) {
        return run(new Operation.VdiCreate(vdi, sr, nameLabel, virtualSize)).thenApply(r -> vdi);
    }

    @Override
    public CompletableFuture<Void> destroyVdi(VdiId vdi) {
        return done(new Operation.VdiDestroy(vdi));
    }

    @Override
    public CompletableFuture<VbdId> createVbd(VbdId vbd, VmId vm, VdiId vdi, String device) {
        return run(new Operation.VbdCreate(vbd, vm, vdi, device)).thenApply(r -> vbd);
    }

    @Override
    public CompletableFuture<Void> destroyVbd(VbdId vbd) {
        return done(new Operation.VbdDestroy(vbd));
    }

    /** {@code d} in milliseconds, saturated: the rules refuse a validity out of range with its own code. */
    private static long millis(Duration d) {
        try {
            return d.toMillis();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** A failed future carrying a pool error. */
    protected static <T> CompletableFuture<T> failed(ErrorCode code, String message) {
        return CompletableFuture.failedFuture(PoolException.of(code, List.of(), message));
    }
}
