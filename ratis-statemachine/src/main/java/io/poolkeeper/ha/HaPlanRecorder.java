package io.poolkeeper.ha;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.ha.FailoverPlan;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code ha-plan-exists-for} and {@code ha-overcommitted} up to date, as xapi's periodic
 * {@code update_pool_status}: on the master, whenever its copy of the pool changed, it computes the failover plan's
 * status ({@link FailoverPlan#status}) and, if that differs from what the pool records, commits a
 * {@link Operation.PoolSetHaPlan}, preceded by an alert when overcommit starts ({@code HA_POOL_OVERCOMMITTED}: ntol,
 * plan exists for) or the plan drops ({@code HA_POOL_DROP_IN_PLAN_EXISTS_FOR}: before, now). The values recorded
 * are a pure function of the committed state, so whichever master records them records the same.
 *
 * <p>Thread-safe; one proposal at a time.
 */
final class HaPlanRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(HaPlanRecorder.class);

    private final HaEnvironment env;
    private PoolState checked;
    private boolean proposing;

    HaPlanRecorder(HaEnvironment env) {
        this.env = env;
    }

    /** Checks {@code state}, the master's copy, unless it is the copy checked last or a proposal is in flight. */
    synchronized void update(PoolState state) {
        if (state == checked
                || proposing
                || state.pool().isEmpty()
                || !state.requirePool().haEnabled()) {
            return;
        }
        checked = state;
        Pool pool = state.requirePool();
        FailoverPlan.Status status = FailoverPlan.status(state);
        if (status.planExistsFor() == pool.haPlanExistsFor() && status.overcommitted() == pool.haOvercommitted()) {
            return;
        }
        proposing = true;
        CompletableFuture<Void> alert = CompletableFuture.completedFuture(null);
        if (status.overcommitted() && !pool.haOvercommitted()) {
            alert = env.propose(new Operation.PoolAlert(
                    ErrorCode.HA_POOL_OVERCOMMITTED,
                    List.of(String.valueOf(pool.haHostFailuresToTolerate()), String.valueOf(status.planExistsFor()))));
        } else if (status.planExistsFor() < pool.haPlanExistsFor()) {
            alert = env.propose(new Operation.PoolAlert(
                    ErrorCode.HA_POOL_DROP_IN_PLAN_EXISTS_FOR,
                    List.of(String.valueOf(pool.haPlanExistsFor()), String.valueOf(status.planExistsFor()))));
        }
        LOG.info(
                "HA failover plan: exists for {} of {} host failures{}",
                status.planExistsFor(),
                pool.haHostFailuresToTolerate(),
                status.overcommitted() ? ", overcommitted" : "");
        alert.exceptionally(e -> null)
                .thenCompose(ignored ->
                        env.propose(new Operation.PoolSetHaPlan(status.planExistsFor(), status.overcommitted())))
                .whenComplete((ok, error) -> {
                    synchronized (this) {
                        proposing = false;
                        if (error != null) {
                            LOG.debug("recording the HA plan status failed: {}", error.toString());
                            checked = null; // try again at the next check
                        }
                    }
                });
    }
}
