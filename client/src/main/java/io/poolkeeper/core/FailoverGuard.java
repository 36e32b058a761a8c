package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.core.ha.FailoverPlan;

/**
 * HA overcommit protection (DESIGN §6, xapi's {@code assert_configuration_change_preserves_ha_plan}): while HA is
 * enabled and {@code ha-allow-overcommit} is false, an operation whose result leaves no failover plan for
 * {@code ha-host-failures-to-tolerate} is refused with {@code HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN} if a plan
 * existed before it. A pool already overcommitted blocks nothing.
 *
 * <p>Only operations that can take room or add protected memory are checked: vm-start, vm-resume (of a VM not
 * already protected: a protected VM is in the plan already, and HA's own restarts must never be refused),
 * vm-migrate, vm-param-set, host-disable, host-evacuate, pbd-unplug, vbd-create and raising the tolerated failures
 * (pool-param-set). pool-ha-enable is not: as in xapi, arming HA on a pool that cannot be planned for is allowed and
 * recorded as overcommitted, since refusing would leave the operator with no protection at all. Deterministic: the
 * plan is a pure function of the states.
 */
final class FailoverGuard {
    private FailoverGuard() {}

    /** {@code outcome} as is, or the refusal if applying {@code operation} to {@code before} breaks the plan. */
    static Outcome check(PoolState before, Operation operation, Outcome outcome) {
        if (!(outcome instanceof Outcome.Applied applied) || !guarded(before, operation)) {
            return outcome;
        }
        PoolState after = applied.next();
        if (after.pool().isEmpty()) {
            return outcome;
        }
        Pool pool = after.requirePool();
        if (!pool.haEnabled() || pool.haAllowOvercommit()) {
            return outcome;
        }
        int ntol = pool.haHostFailuresToTolerate();
        if (FailoverPlan.planExists(after, ntol)) {
            return outcome;
        }
        Pool was = before.requirePool();
        if (!FailoverPlan.planExists(before, was.haEnabled() ? was.haHostFailuresToTolerate() : 0)) {
            return outcome; // overcommitted already: nothing to preserve
        }
        return Outcome.rejected(ErrorCode.HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN, operation.xeName(), ntol);
    }

    private static boolean guarded(PoolState before, Operation operation) {
        if (before.pool().isEmpty()) {
            return false;
        }
        if (operation instanceof Operation.VmStart op) {
            return !alreadyProtected(before, op.vm());
        }
        if (operation instanceof Operation.VmResume op) {
            return !alreadyProtected(before, op.vm());
        }
        if (operation instanceof Operation.PoolParamSet op) {
            return op.key().equals("ha-host-failures-to-tolerate");
        }
        return operation instanceof Operation.VmMigrate
                || operation instanceof Operation.VmParamSet
                || operation instanceof Operation.HostDisable
                || operation instanceof Operation.HostEvacuate
                || operation instanceof Operation.PbdUnplug
                || operation instanceof Operation.VbdCreate;
    }

    private static boolean alreadyProtected(PoolState state, io.poolkeeper.api.model.VmId id) {
        Vm vm = state.vms().get(id);
        return vm != null && vm.isProtected();
    }

    /** Records the plan status the master computed; refused while HA is off (the loop runs only while it is on). */
    static Outcome record(PoolState state, Operation.PoolSetHaPlan op) {
        Pool pool = state.requirePool();
        if (!pool.haEnabled()) {
            return Outcome.rejected(ErrorCode.HA_NOT_ENABLED);
        }
        if (op.planExistsFor() < 0) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "ha-plan-exists-for", op.planExistsFor());
        }
        return Outcome.done(state.withPool(pool.withHaPlan(op.planExistsFor(), op.overcommitted())));
    }
}
