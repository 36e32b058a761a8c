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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The blocking view of a {@link Pool}: each method waits for the asynchronous operation and returns its result or
 * throws its {@link PoolException}. Thread-safe; as available as the pool it wraps.
 */
public final class BlockingPool {
    private final Pool pool;

    BlockingPool(Pool pool) {
        this.pool = pool;
    }

    /** The asynchronous pool this view wraps. */
    public Pool async() {
        return pool;
    }

    /**
     * The blocking view of {@link Pool#withRequestId}: its writes carry {@code requestId}, so one write retried after
     * an {@link IndeterminateOutcomeException} is applied once.
     *
     * @throws PoolRejectedException {@code INVALID_VALUE} for an empty, blank or longer id
     */
    public BlockingPool withRequestId(String requestId) {
        return pool.withRequestId(requestId).blocking();
    }

    public PoolView read(ReadConsistency consistency) {
        return join(pool.read(consistency));
    }

    public void designateNewMaster(HostId host) {
        join(pool.designateNewMaster(host));
    }

    public void eject(HostId host) {
        join(pool.eject(host));
    }

    public void setParam(String key, String value) {
        join(pool.setParam(key, value));
    }

    public void enableHa(Optional<Duration> timeout) {
        join(pool.enableHa(timeout));
    }

    public void disableHa() {
        join(pool.disableHa());
    }

    public JoinToken createJoinToken(Duration validity) {
        return join(pool.createJoinToken(validity));
    }

    public void revokeJoinToken(String id) {
        join(pool.revokeJoinToken(id));
    }

    public int computeMaxHostFailuresToTolerate() {
        return join(pool.computeMaxHostFailuresToTolerate());
    }

    public int computeHypotheticalMaxHostFailuresToTolerate(SortedMap<VmId, HaRestartPriority> configuration) {
        return join(pool.computeHypotheticalMaxHostFailuresToTolerate(configuration));
    }

    public List<VmId> forgetHost(HostId host) {
        return join(pool.forgetHost(host));
    }

    public List<VmId> declareHostDead(HostId host) {
        return join(pool.declareHostDead(host));
    }

    public void enableHost(HostId host) {
        join(pool.enableHost(host));
    }

    public void disableHost(HostId host) {
        join(pool.disableHost(host));
    }

    public SortedMap<VmId, HostId> evacuateHost(HostId host) {
        return join(pool.evacuateHost(host));
    }

    public VmId createVm(VmSpec spec) {
        return join(pool.createVm(spec));
    }

    public void destroyVm(VmId vm) {
        join(pool.destroyVm(vm));
    }

    public void setVmParam(VmId vm, String key, String value) {
        join(pool.setVmParam(vm, key, value));
    }

    public HostId startVm(VmId vm, Optional<HostId> on, boolean paused) {
        return join(pool.startVm(vm, on, paused));
    }

    public void shutdownVm(VmId vm, boolean force) {
        join(pool.shutdownVm(vm, force));
    }

    public void rebootVm(VmId vm, boolean force) {
        join(pool.rebootVm(vm, force));
    }

    public void suspendVm(VmId vm) {
        join(pool.suspendVm(vm));
    }

    public HostId resumeVm(VmId vm, Optional<HostId> on) {
        return join(pool.resumeVm(vm, on));
    }

    public void pauseVm(VmId vm) {
        join(pool.pauseVm(vm));
    }

    public void unpauseVm(VmId vm) {
        join(pool.unpauseVm(vm));
    }

    public HostId migrateVm(VmId vm, HostId host) {
        return join(pool.migrateVm(vm, host));
    }

    public void resetVmPowerState(VmId vm, boolean force) {
        join(pool.resetVmPowerState(vm, force));
    }

    public SrId createSr(SrSpec spec) {
        return join(pool.createSr(spec));
    }

    public void forgetSr(SrId sr) {
        join(pool.forgetSr(sr));
    }

    public PbdId createPbd(PbdId pbd, SrId sr, HostId host, SortedMap<String, String> deviceConfig) {
        return join(pool.createPbd(pbd, sr, host, deviceConfig));
    }

    public void plugPbd(PbdId pbd) {
        join(pool.plugPbd(pbd));
    }

    public void unplugPbd(PbdId pbd) {
        join(pool.unplugPbd(pbd));
    }

    public VdiId createVdi(VdiId vdi, SrId sr, String nameLabel, long virtualSize) {
        return join(pool.createVdi(vdi, sr, nameLabel, virtualSize));
    }

    public void destroyVdi(VdiId vdi) {
        join(pool.destroyVdi(vdi));
    }

    public VbdId createVbd(VbdId vbd, VmId vm, VdiId vdi, String device) {
        return join(pool.createVbd(vbd, vm, vdi, device));
    }

    public void destroyVbd(VbdId vbd) {
        join(pool.destroyVbd(vbd));
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IndeterminateOutcomeException(ErrorCode.INTERNAL_ERROR, "interrupted while waiting", e);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    private static RuntimeException unwrap(Throwable cause) {
        Throwable t = cause;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof PoolException poolException) {
            return poolException;
        }
        return new IndeterminateOutcomeException(ErrorCode.INTERNAL_ERROR, String.valueOf(t), t);
    }
}
