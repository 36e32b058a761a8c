package io.poolkeeper.core;

import static io.poolkeeper.core.PoolFixture.GIB;
import static io.poolkeeper.core.PoolFixture.hostId;
import static io.poolkeeper.core.PoolFixture.srId;
import static io.poolkeeper.core.PoolFixture.vdiId;
import static io.poolkeeper.core.PoolFixture.vmId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HA overcommit protection (DESIGN §6): with HA on, ntol 1 and overcommit not allowed, every operation that would
 * leave no failover plan is refused with {@code HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN}, and its harmless twin passes.
 *
 * <p>The pool: host 1 (16 GiB) runs protected VM A (4 GiB, disk on a shared SR plugged on both hosts), host 2 has
 * 8 GiB. Host 1 failing sends A to host 2, which needs 4 GiB free there.
 */
@Timeout(60)
class FailoverGuardTest {
    private static final HostId H1 = hostId(1);
    private static final HostId H2 = hostId(2);
    private static final VmId A = vmId(1);
    private static final VmId B = vmId(2);
    private static final VmId D = vmId(3);

    private static PoolFixture pool() {
        PoolFixture p = PoolFixture.withHosts(16 * GIB, 8 * GIB);
        p.createSr(srId(1), true, H1, H2).createVdi(vdiId(1), srId(1));
        p.createVm(A, 4 * GIB, HaRestartPriority.RESTART);
        p.attach(A, vdiId(1));
        p.startOn(A, H1);
        p.createVm(B, 5 * GIB).createVm(D, 6 * GIB);
        p.apply(new Operation.PoolParamSet("ha-host-failures-to-tolerate", "1"));
        p.apply(new Operation.PoolHaEnable(0));
        return p;
    }

    static Stream<Arguments> breaking() {
        return Stream.of(
                Arguments.of(
                        "vm-start on the failover host",
                        op(new Operation.VmStart(B, Optional.of(H2), false)),
                        op(new Operation.VmStart(B, Optional.of(H1), false))),
                Arguments.of(
                        "vm-migrate onto the failover host",
                        (Function<PoolFixture, Outcome>) p -> {
                            p.startOn(B, H1);
                            return p.applyRaw(PoolCommand.of(new Operation.VmMigrate(B, H2)));
                        },
                        op(new Operation.VmParamSet(B, "name-label", "harmless"))),
                Arguments.of(
                        "protecting a halted VM that needs the room",
                        (Function<PoolFixture, Outcome>) p -> {
                            p.setParam(D, "ha-restart-priority", "restart");
                            return p.applyRaw(PoolCommand.of(new Operation.VmParamSet(D, "ha-always-run", "true")));
                        },
                        op(new Operation.VmParamSet(D, "ha-restart-priority", "restart"))),
                Arguments.of(
                        "host-disable of the failover host",
                        op(new Operation.HostDisable(H2)),
                        op(new Operation.HostDisable(H1))),
                Arguments.of(
                        "raising ha-host-failures-to-tolerate beyond the plan",
                        op(new Operation.PoolParamSet("ha-host-failures-to-tolerate", "2")),
                        op(new Operation.PoolParamSet("ha-host-failures-to-tolerate", "0"))),
                Arguments.of(
                        "unplugging the protected VM's SR on the failover host",
                        (Function<PoolFixture, Outcome>)
                                p -> p.applyRaw(PoolCommand.of(new Operation.PbdUnplug(p.pbdOf(srId(1), H2)))),
                        op(new Operation.VmStart(B, Optional.of(H1), false))));
    }

    /** A case that applies {@code operation} to the pool and gives its outcome. */
    private static Function<PoolFixture, Outcome> op(Operation operation) {
        return p -> p.applyRaw(PoolCommand.of(operation));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breaking")
    void refusedWhileAPlanExistsAndHarmlessTwinPasses(
            String name, Function<PoolFixture, Outcome> breaking, Function<PoolFixture, Outcome> harmless) {
        Outcome outcome = breaking.apply(pool());
        assertTrue(outcome instanceof Outcome.Rejected, name + " was applied");
        assertEquals(
                ErrorCode.HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN,
                ((Outcome.Rejected) outcome).rejection().code(),
                name);
        Outcome ok = harmless.apply(pool());
        assertTrue(ok instanceof Outcome.Applied, name + ": the harmless twin was refused: " + ok);
    }

    @Test
    void aRefusalChangesNothing() {
        PoolFixture p = pool();
        p.reject(new Operation.VmStart(B, Optional.of(H2), false), ErrorCode.HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN);
        p.reject(new Operation.HostDisable(H2), ErrorCode.HA_OPERATION_WOULD_BREAK_FAILOVER_PLAN);
    }

    @Test
    void haCanBeArmedOnAPoolThatCannotBePlannedFor() {
        PoolFixture p = pool();
        p.apply(new Operation.PoolHaDisable());
        p.apply(new Operation.VmStart(B, Optional.of(H2), false)); // host 2 can no longer take A
        p.apply(new Operation.PoolHaEnable(0));
        assertTrue(p.state().requirePool().haEnabled(), "armed, as xapi does, though overcommitted");
    }

    @Test
    void nothingIsRefusedWhenOvercommitIsAllowedOrHaIsOff() {
        PoolFixture allowed = pool();
        allowed.apply(new Operation.PoolParamSet("ha-allow-overcommit", "true"));
        allowed.apply(new Operation.VmStart(B, Optional.of(H2), false));
        PoolFixture off = pool();
        off.apply(new Operation.PoolHaDisable());
        off.apply(new Operation.VmStart(B, Optional.of(H2), false));
        off.apply(new Operation.PoolParamSet("ha-host-failures-to-tolerate", "2"));
    }

    @Test
    void anOvercommittedPoolBlocksNothing() {
        PoolFixture p = pool();
        p.apply(new Operation.PoolParamSet("ha-allow-overcommit", "true"));
        p.apply(new Operation.VmStart(B, Optional.of(H2), false));
        p.apply(new Operation.PoolParamSet("ha-allow-overcommit", "false"));
        p.apply(new Operation.HostDisable(H2));
    }

    @Test
    void restartingAProtectedVmIsNeverRefused() {
        PoolFixture p = pool();
        p.apply(new Operation.VmShutdown(A, true));
        p.complete(A, io.poolkeeper.api.model.VmOperation.HARD_SHUTDOWN, true);
        // Shut down, A is no longer protected (ha-always-run cleared); make it protected and Halted, as a death does.
        p.setParam(A, "ha-always-run", "true");
        assertTrue(p.state().vms().get(A).isProtected());
        p.apply(new Operation.VmStart(A, Optional.of(H2), false));
        assertFalse(p.state().vms().get(A).scheduledToBeResidentOn().isEmpty());
    }

    @Test
    void thePlanStatusIsRecordedOnlyWhileHaIsOn() {
        PoolFixture p = pool();
        p.apply(new Operation.PoolSetHaPlan(1, false));
        assertEquals(1, p.state().requirePool().haPlanExistsFor());
        p.reject(new Operation.PoolSetHaPlan(-1, false), ErrorCode.INVALID_VALUE);
        p.apply(new Operation.PoolHaDisable());
        p.reject(new Operation.PoolSetHaPlan(0, true), ErrorCode.HA_NOT_ENABLED);
    }
}
