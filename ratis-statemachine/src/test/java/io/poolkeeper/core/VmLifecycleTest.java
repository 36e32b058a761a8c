package io.poolkeeper.core;

import static io.poolkeeper.core.PoolFixture.GIB;
import static io.poolkeeper.core.PoolFixture.hostId;
import static io.poolkeeper.core.PoolFixture.vmId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * xapi's VM power-state table (xapi-reference §2.2) through {@link Transition#apply}: which operation is allowed in
 * which power state, what its first step records, what the host agent's answer makes of it, and how operations
 * exclude each other.
 */
@Timeout(60)
class VmLifecycleTest {
    /** The VM's home: where it runs before an in-place operation. Smaller, so placement prefers {@link #OTHER}. */
    private static final HostId HOME = hostId(1);
    /** The host with the most free memory: where start and resume place the VM, and where migrate sends it. */
    private static final HostId OTHER = hostId(2);

    private static final VmId VM = vmId(1);
    private static final long VM_MEMORY = 2 * GIB;

    /** Every power-state operation of xe, as the command that begins it. */
    enum Op {
        START(VmOperation.START, vm -> new Operation.VmStart(vm, Optional.empty(), false)),
        START_PAUSED(VmOperation.START_PAUSED, vm -> new Operation.VmStart(vm, Optional.empty(), true)),
        CLEAN_SHUTDOWN(VmOperation.CLEAN_SHUTDOWN, vm -> new Operation.VmShutdown(vm, false)),
        HARD_SHUTDOWN(VmOperation.HARD_SHUTDOWN, vm -> new Operation.VmShutdown(vm, true)),
        CLEAN_REBOOT(VmOperation.CLEAN_REBOOT, vm -> new Operation.VmReboot(vm, false)),
        HARD_REBOOT(VmOperation.HARD_REBOOT, vm -> new Operation.VmReboot(vm, true)),
        SUSPEND(VmOperation.SUSPEND, Operation.VmSuspend::new),
        RESUME(VmOperation.RESUME, vm -> new Operation.VmResume(vm, Optional.empty())),
        PAUSE(VmOperation.PAUSE, Operation.VmPause::new),
        UNPAUSE(VmOperation.UNPAUSE, Operation.VmUnpause::new),
        MIGRATE(VmOperation.MIGRATE, vm -> new Operation.VmMigrate(vm, OTHER));

        final VmOperation operation;
        private final Function<VmId, Operation> command;

        Op(VmOperation operation, Function<VmId, Operation> command) {
            this.operation = operation;
            this.command = command;
        }

        Operation on(VmId vm) {
            return command.apply(vm);
        }

        /** Whether the operation places the VM on a host (and so reserves memory there while in progress). */
        boolean moves() {
            return this == START || this == START_PAUSED || this == RESUME || this == MIGRATE;
        }
    }

    /** One allowed (operation, power state) pair and where a successful operation leaves the VM. */
    record Row(Op op, PowerState from, PowerState to, Optional<HostId> residentAfter) {
        boolean immediate() {
            // A suspended VM runs nowhere: hard shutdown only drops the image, with no agent step.
            return op == Op.HARD_SHUTDOWN && from == PowerState.SUSPENDED;
        }

        @Override
        public String toString() {
            return op + " from " + from.xapiName();
        }
    }

    /**
     * THE table: xapi's allowed source states per operation (xapi_vm_lifecycle.ml allowed_power_states) with the
     * lifecycle diagram's result. Every (operation, state) pair not listed must be refused with VM_BAD_POWER_STATE.
     */
    static final List<Row> ALLOWED = List.of(
            row(Op.START, PowerState.HALTED, PowerState.RUNNING, OTHER),
            row(Op.START_PAUSED, PowerState.HALTED, PowerState.PAUSED, OTHER),
            row(Op.CLEAN_SHUTDOWN, PowerState.RUNNING, PowerState.HALTED, null),
            row(Op.HARD_SHUTDOWN, PowerState.RUNNING, PowerState.HALTED, null),
            row(Op.HARD_SHUTDOWN, PowerState.PAUSED, PowerState.HALTED, null),
            row(Op.HARD_SHUTDOWN, PowerState.SUSPENDED, PowerState.HALTED, null),
            row(Op.CLEAN_REBOOT, PowerState.RUNNING, PowerState.RUNNING, HOME),
            row(Op.HARD_REBOOT, PowerState.RUNNING, PowerState.RUNNING, HOME),
            row(Op.HARD_REBOOT, PowerState.PAUSED, PowerState.RUNNING, HOME),
            row(Op.SUSPEND, PowerState.RUNNING, PowerState.SUSPENDED, null),
            row(Op.RESUME, PowerState.SUSPENDED, PowerState.RUNNING, OTHER),
            row(Op.PAUSE, PowerState.RUNNING, PowerState.PAUSED, HOME),
            row(Op.UNPAUSE, PowerState.PAUSED, PowerState.RUNNING, HOME),
            row(Op.MIGRATE, PowerState.RUNNING, PowerState.RUNNING, OTHER));

    private static Row row(Op op, PowerState from, PowerState to, HostId residentAfter) {
        return new Row(op, from, to, Optional.ofNullable(residentAfter));
    }

    private static Optional<Row> allowed(Op op, PowerState from) {
        return ALLOWED.stream().filter(r -> r.op() == op && r.from() == from).findFirst();
    }

    /** xapi's "expected" parameter: the allowed states in declaration order, joined by '|'. */
    private static String expectedStates(Op op) {
        return ALLOWED.stream()
                .filter(r -> r.op() == op)
                .map(Row::from)
                .sorted()
                .map(PowerState::xapiName)
                .collect(Collectors.joining("|"));
    }

    /** A 2-host pool (HOME 8 GiB, OTHER 16 GiB) with one 2 GiB VM brought to {@code state} by real commands. */
    static PoolFixture vmIn(PowerState state) {
        return vmIn(state, HaRestartPriority.NONE);
    }

    static PoolFixture vmIn(PowerState state, HaRestartPriority priority) {
        PoolFixture pool = PoolFixture.withHosts(8 * GIB, 16 * GIB).createVm(VM, VM_MEMORY, priority);
        switch (state) {
            case HALTED -> {}
            case RUNNING -> pool.startOn(VM, HOME);
            case PAUSED -> pool.startPausedOn(VM, HOME);
            case SUSPENDED -> pool.startOn(VM, HOME).suspend(VM);
        }
        assertEquals(state, pool.vm(VM).powerState(), "setup");
        return pool;
    }

    // ---------------------------------------------------------------- the table: every op x every state

    static Stream<Arguments> everyOpInEveryPowerState() {
        return Arrays.stream(Op.values())
                .flatMap(op -> Arrays.stream(PowerState.values()).map(state -> Arguments.of(op, state)));
    }

    @ParameterizedTest(name = "{0} from {1}")
    @MethodSource("everyOpInEveryPowerState")
    void powerStateTable(Op op, PowerState from) {
        PoolFixture pool = vmIn(from);
        Vm before = pool.vm(VM);
        Optional<Row> row = allowed(op, from);
        if (row.isEmpty()) {
            Rejection rejection = pool.reject(op.on(VM), ErrorCode.VM_BAD_POWER_STATE);
            assertEquals(List.of(VM.toString(), expectedStates(op), from.xapiName()), rejection.params());
            return;
        }
        Result result = pool.apply(op.on(VM));
        if (row.get().immediate()) {
            assertEquals(Result.DONE, result);
            assertEquals(before.settled(PowerState.HALTED, Optional.empty()), pool.vm(VM));
            return;
        }
        Optional<HostId> scheduled = op.moves() ? Optional.of(OTHER) : Optional.empty();
        assertEquals(op.moves() ? new Result.Placed(OTHER) : Result.DONE, result);
        // Only the operation and the reservation are recorded: power state and residence wait for the agent.
        assertEquals(before.operating(op.operation, scheduled), pool.vm(VM));
        if (op.moves()) {
            assertEquals(16 * GIB - VM_MEMORY, pool.freeMemory(OTHER), "the target's memory is reserved");
        }
    }

    @Test
    void theTableCoversEveryOperation() {
        for (Op op : Op.values()) {
            assertFalse(expectedStates(op).isEmpty(), op + " is allowed nowhere");
        }
        assertEquals(14, ALLOWED.size());
        assertEquals(VmOperation.values().length, Op.values().length);
    }

    // ---------------------------------------------------------------- the agent's answer

    static Stream<Arguments> agentAnswers() {
        return ALLOWED.stream()
                .filter(r -> !r.immediate())
                .flatMap(r -> Stream.of(Arguments.of(r, true), Arguments.of(r, false)));
    }

    @ParameterizedTest(name = "{0}, agent succeeded={1}")
    @MethodSource("agentAnswers")
    void completionSettlesTheOperation(Row row, boolean succeeded) {
        PoolFixture pool = vmIn(row.from());
        PoolState before = pool.state();
        Vm vmBefore = pool.vm(VM);
        pool.apply(row.op().on(VM));

        pool.complete(VM, row.op().operation, succeeded);

        if (!succeeded) {
            // A failed operation leaves the VM exactly as it was: no reservation, no residence change.
            assertEquals(before, pool.state(), "state after a failed " + row);
            return;
        }
        Vm after = pool.vm(VM);
        assertEquals(vmBefore.settled(row.to(), row.residentAfter()), after);
        for (HostId host : List.of(HOME, OTHER)) {
            long used = row.residentAfter().equals(Optional.of(host)) ? VM_MEMORY : 0;
            assertEquals(pool.host(host).memoryTotal() - used, pool.freeMemory(host), "free memory on " + host);
        }
    }

    @Test
    void failedStartLeavesTheVmHaltedWithoutReservation() {
        PoolFixture pool = vmIn(PowerState.HALTED);
        HostId placed = pool.beginStart(VM, Optional.empty());
        assertEquals(16 * GIB - VM_MEMORY, pool.freeMemory(placed));

        pool.complete(VM, VmOperation.START, false);

        Vm vm = pool.vm(VM);
        assertEquals(PowerState.HALTED, vm.powerState());
        assertEquals(Optional.empty(), vm.residentOn());
        assertEquals(Optional.empty(), vm.scheduledToBeResidentOn());
        assertEquals(Optional.empty(), vm.currentOperation());
        assertEquals(16 * GIB, pool.freeMemory(placed));
    }

    @Test
    void hardShutdownOfSuspendedVmHasNoAgentStep() {
        PoolFixture pool = vmIn(PowerState.SUSPENDED);
        pool.apply(new Operation.VmShutdown(VM, true));

        assertEquals(PowerState.HALTED, pool.vm(VM).powerState());
        assertEquals(Optional.empty(), pool.vm(VM).currentOperation());
        pool.reject(
                new Operation.VmCompleteOperation(VM, VmOperation.HARD_SHUTDOWN, true),
                ErrorCode.OPERATION_NOT_IN_PROGRESS);
    }

    @Test
    void migratingVmHoldsMemoryOnBothHostsUntilDone() {
        PoolFixture pool = vmIn(PowerState.RUNNING);
        pool.apply(new Operation.VmMigrate(VM, OTHER));

        assertEquals(8 * GIB - VM_MEMORY, pool.freeMemory(HOME));
        assertEquals(16 * GIB - VM_MEMORY, pool.freeMemory(OTHER));

        pool.complete(VM, VmOperation.MIGRATE, true);
        assertEquals(8 * GIB, pool.freeMemory(HOME));
        assertEquals(16 * GIB - VM_MEMORY, pool.freeMemory(OTHER));
    }

    // ---------------------------------------------------------------- one operation at a time

    static Stream<Arguments> pendingOperationAndEveryAttempt() {
        List<Arguments> cases = new ArrayList<>();
        for (Row pending : ALLOWED) {
            if (pending.immediate()) {
                continue;
            }
            for (Op attempt : Op.values()) {
                cases.add(Arguments.of(pending, attempt.name()));
            }
            cases.add(Arguments.of(pending, "DESTROY"));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1} while {0} is pending")
    @MethodSource("pendingOperationAndEveryAttempt")
    void otherOperationInProgress(Row pending, String attempt) {
        PoolFixture pool = vmIn(pending.from());
        pool.apply(pending.op().on(VM));
        Operation operation = attempt.equals("DESTROY")
                ? new Operation.VmDestroy(VM)
                : Op.valueOf(attempt).on(VM);

        Rejection rejection = pool.reject(operation, ErrorCode.OTHER_OPERATION_IN_PROGRESS);

        assertEquals(List.of("VM", VM.toString(), pending.op().operation.xapiName()), rejection.params());
    }

    static Stream<Row> pendingRows() {
        return ALLOWED.stream().filter(r -> !r.immediate());
    }

    @ParameterizedTest(name = "while {0} is pending")
    @MethodSource("pendingRows")
    void completionOfAnotherOperationIsRefused(Row pending) {
        PoolFixture pool = vmIn(pending.from());
        pool.apply(pending.op().on(VM));
        for (VmOperation other : VmOperation.values()) {
            if (other == pending.op().operation) {
                continue;
            }
            for (boolean succeeded : new boolean[] {true, false}) {
                Rejection rejection = pool.reject(
                        new Operation.VmCompleteOperation(VM, other, succeeded), ErrorCode.OPERATION_NOT_IN_PROGRESS);
                assertEquals(List.of(VM.toString(), other.xapiName()), rejection.params());
            }
        }
        // The right answer still settles it after the wrong ones were refused.
        pool.complete(VM, pending.op().operation, true);
        assertEquals(pending.to(), pool.vm(VM).powerState());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(PowerState.class)
    void completionWithNothingInProgressIsRefused(PowerState state) {
        PoolFixture pool = vmIn(state);
        for (VmOperation operation : VmOperation.values()) {
            pool.reject(new Operation.VmCompleteOperation(VM, operation, true), ErrorCode.OPERATION_NOT_IN_PROGRESS);
        }
    }

    @Test
    void completionIsAcceptedOnce() {
        PoolFixture pool = vmIn(PowerState.HALTED);
        pool.start(VM);
        pool.reject(
                new Operation.VmCompleteOperation(VM, VmOperation.START, true), ErrorCode.OPERATION_NOT_IN_PROGRESS);
        assertEquals(PowerState.RUNNING, pool.vm(VM).powerState());
    }

    @Test
    void operationsOnOtherVmsAreNotBlocked() {
        PoolFixture pool = vmIn(PowerState.RUNNING);
        VmId second = vmId(2);
        pool.createVm(second, GIB);
        pool.apply(new Operation.VmShutdown(VM, false));

        HostId placed = pool.start(second);

        assertEquals(OTHER, placed);
        assertEquals(Optional.of(VmOperation.CLEAN_SHUTDOWN), pool.vm(VM).currentOperation());
    }

    // ---------------------------------------------------------------- ha_always_run

    /** A scenario from a Halted VM, and whether a protected (priority=restart) VM must be always-run after it. */
    enum HaStep {
        START(true) {
            void run(PoolFixture pool) {
                pool.start(VM);
            }
        },
        START_PAUSED(true) {
            void run(PoolFixture pool) {
                pool.startPausedOn(VM, OTHER);
            }
        },
        FAILED_START(false) {
            void run(PoolFixture pool) {
                pool.beginStart(VM, Optional.empty());
                pool.complete(VM, VmOperation.START, false);
            }
        },
        PENDING_START(false) {
            void run(PoolFixture pool) {
                pool.beginStart(VM, Optional.empty());
            }
        },
        CLEAN_REBOOT(true) {
            void run(PoolFixture pool) {
                pool.start(VM);
                pool.apply(new Operation.VmReboot(VM, false));
                pool.complete(VM, VmOperation.CLEAN_REBOOT, true);
            }
        },
        MIGRATE(true) {
            void run(PoolFixture pool) {
                pool.startOn(VM, HOME).migrate(VM, OTHER);
            }
        },
        CLEAN_SHUTDOWN(false) {
            void run(PoolFixture pool) {
                pool.start(VM);
                pool.shutdown(VM);
            }
        },
        HARD_SHUTDOWN(false) {
            void run(PoolFixture pool) {
                pool.start(VM);
                pool.apply(new Operation.VmShutdown(VM, true));
                pool.complete(VM, VmOperation.HARD_SHUTDOWN, true);
            }
        },
        FAILED_SHUTDOWN(true) {
            void run(PoolFixture pool) {
                pool.start(VM);
                pool.apply(new Operation.VmShutdown(VM, false));
                pool.complete(VM, VmOperation.CLEAN_SHUTDOWN, false);
            }
        },
        SUSPEND(false) {
            void run(PoolFixture pool) {
                pool.start(VM);
                pool.suspend(VM);
            }
        },
        RESUME(true) {
            void run(PoolFixture pool) {
                pool.start(VM);
                pool.suspend(VM);
                pool.apply(new Operation.VmResume(VM, Optional.empty()));
                pool.complete(VM, VmOperation.RESUME, true);
            }
        },
        HARD_SHUTDOWN_SUSPENDED(false) {
            void run(PoolFixture pool) {
                pool.start(VM);
                pool.suspend(VM);
                pool.setParam(VM, "ha-always-run", "true"); // so that clearing it is observable
                pool.apply(new Operation.VmShutdown(VM, true));
            }
        };

        final boolean alwaysRunWhenProtected;

        HaStep(boolean alwaysRunWhenProtected) {
            this.alwaysRunWhenProtected = alwaysRunWhenProtected;
        }

        abstract void run(PoolFixture pool);
    }

    static Stream<Arguments> haScenarios() {
        return Arrays.stream(HaStep.values()).flatMap(step -> Arrays.stream(HaRestartPriority.values())
                .map(priority -> Arguments.of(step, priority)));
    }

    @ParameterizedTest(name = "{0} with ha-restart-priority={1}")
    @MethodSource("haScenarios")
    void haAlwaysRunFollowsTheIntentToRun(HaStep step, HaRestartPriority priority) {
        PoolFixture pool = vmIn(PowerState.HALTED, priority);

        step.run(pool);

        boolean expected = priority == HaRestartPriority.RESTART && step.alwaysRunWhenProtected;
        if (step == HaStep.HARD_SHUTDOWN_SUSPENDED) {
            expected = false; // set by hand in the scenario, whatever the priority; hard shutdown clears it
        }
        assertEquals(expected, pool.vm(VM).haAlwaysRun(), step + " / " + priority);
        assertEquals(
                expected && priority == HaRestartPriority.RESTART, pool.vm(VM).isProtected());
    }

    @Test
    void alwaysRunSetByStartSurvivesSuspendResumeCycleOnlyWhileRunning() {
        PoolFixture pool = vmIn(PowerState.HALTED, HaRestartPriority.RESTART);
        pool.start(VM);
        assertTrue(pool.vm(VM).haAlwaysRun());
        pool.suspend(VM);
        assertFalse(pool.vm(VM).haAlwaysRun());
        pool.apply(new Operation.VmResume(VM, Optional.of(HOME)));
        assertFalse(pool.vm(VM).haAlwaysRun(), "only the agent's success sets it");
        pool.complete(VM, VmOperation.RESUME, true);
        assertTrue(pool.vm(VM).haAlwaysRun());
        assertEquals(Optional.of(HOME), pool.vm(VM).residentOn());
    }
}
