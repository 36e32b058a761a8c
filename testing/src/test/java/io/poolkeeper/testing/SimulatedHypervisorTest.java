package io.poolkeeper.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.HostAgentException;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class SimulatedHypervisorTest {
    private static final long GIB = 1L << 30;
    private static final HostId A = host(0xa);
    private static final HostId B = host(0xb);
    private static final HostId C = host(0xc);
    private static final HostId UNKNOWN = host(0xf);
    private static final FencingToken T1 = token(1, 1);
    private static final FencingToken T2 = token(1, 2);
    private static final FencingToken T3 = token(1, 3);

    private final HypervisorWorld world = new HypervisorWorld();
    private final SimulatedHypervisor a = new SimulatedHypervisor(A, 8 * GIB, world);
    private final SimulatedHypervisor b = new SimulatedHypervisor(B, 4 * GIB, world);

    private static HostId host(int n) {
        return HostId.of(String.format("00000000-0000-0000-0000-%012x", n));
    }

    private static VmId vmId(int n) {
        return VmId.of(String.format("%08x-0000-0000-0000-000000000000", n));
    }

    private static Vm vm(int n, long memory) {
        return new Vm(
                vmId(n),
                "vm" + n,
                PowerState.HALTED,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                memory,
                1,
                HaRestartPriority.RESTART,
                false,
                0,
                Optional.empty());
    }

    private static FencingToken token(long generation, long index) {
        return new FencingToken(generation, index);
    }

    /** Asserts the call fails with a HostAgentException that is not about a stale token. */
    private static HostAgentException refused(Executable call) {
        HostAgentException e = assertThrows(HostAgentException.class, call);
        assertFalse(e.staleToken(), () -> "not a stale-token refusal: " + e.getMessage());
        return e;
    }

    private static HostAgentException stale(Executable call) {
        HostAgentException e = assertThrows(HostAgentException.class, call);
        assertTrue(e.staleToken(), () -> "a stale-token refusal: " + e.getMessage());
        return e;
    }

    @AfterEach
    void noDoubleRunUnlessATestMeantIt() {
        // Tests that create a double run on purpose clear it by fencing; the history must still be empty elsewhere.
        if (world.violations().isEmpty()) {
            assertEquals(Map.of(), world.vmsRunningTwice());
        }
    }

    @Nested
    class Lifecycle {
        @Test
        void startRunningAndPaused() throws Exception {
            Vm one = vm(1, GIB);
            a.start(one, false, T1);
            a.start(vm(2, GIB), true, T2);

            assertEquals(Optional.of(PowerState.RUNNING), a.stateOf(vmId(1)));
            assertEquals(Optional.of(PowerState.PAUSED), a.stateOf(vmId(2)));
            assertEquals(Set.of(vmId(1), vmId(2)), a.listRunning());
            assertEquals(one, a.runningVms().get(vmId(1)).vm());
            assertEquals(2 * GIB, a.usedMemory());
            assertEquals(Optional.empty(), b.stateOf(vmId(1)));
        }

        @Test
        void startOfAVmAlreadyRunningHereIsRefused() throws Exception {
            a.start(vm(1, GIB), true, T1);

            HostAgentException e = refused(() -> a.start(vm(1, GIB), false, T2));

            assertTrue(e.getMessage().contains("already running"), e.getMessage());
            assertEquals(Optional.of(PowerState.PAUSED), a.stateOf(vmId(1)));
        }

        @Test
        void cleanAndHardStop() throws Exception {
            a.start(vm(1, GIB), false, T1);
            a.start(vm(2, GIB), true, T1);

            a.stop(vmId(1), false, T2);
            a.stop(vmId(2), true, T3);

            assertEquals(Set.of(), a.listRunning());
            assertEquals(0, a.usedMemory());
        }

        @Test
        void stopRefusals() throws Exception {
            a.start(vm(1, GIB), true, T1);

            refused(() -> a.stop(vmId(2), true, T2));
            refused(() -> a.stop(vmId(1), false, T2));

            assertEquals(Optional.of(PowerState.PAUSED), a.stateOf(vmId(1)));
        }

        @Test
        void rebootLeavesTheVmRunningHere() throws Exception {
            a.start(vm(1, GIB), false, T1);
            a.start(vm(2, GIB), true, T1);

            a.reboot(vmId(1), false, T2);
            a.reboot(vmId(2), true, T2);

            assertEquals(Optional.of(PowerState.RUNNING), a.stateOf(vmId(1)));
            assertEquals(Optional.of(PowerState.RUNNING), a.stateOf(vmId(2)));
            assertEquals(vm(1, GIB), a.runningVms().get(vmId(1)).vm());
        }

        @Test
        void rebootRefusals() throws Exception {
            a.start(vm(1, GIB), true, T1);

            refused(() -> a.reboot(vmId(2), true, T2));
            refused(() -> a.reboot(vmId(1), false, T2));

            assertEquals(Optional.of(PowerState.PAUSED), a.stateOf(vmId(1)));
        }

        @Test
        void pauseAndUnpause() throws Exception {
            a.start(vm(1, GIB), false, T1);

            a.pause(vmId(1), T2);
            assertEquals(Optional.of(PowerState.PAUSED), a.stateOf(vmId(1)));
            a.unpause(vmId(1), T3);
            assertEquals(Optional.of(PowerState.RUNNING), a.stateOf(vmId(1)));
        }

        @Test
        void pauseAndUnpauseRefusals() throws Exception {
            a.start(vm(1, GIB), false, T1);
            a.start(vm(2, GIB), true, T1);

            refused(() -> a.unpause(vmId(1), T2));
            refused(() -> a.pause(vmId(2), T2));
            refused(() -> a.pause(vmId(3), T2));
            refused(() -> a.unpause(vmId(3), T2));

            assertEquals(Optional.of(PowerState.RUNNING), a.stateOf(vmId(1)));
            assertEquals(Optional.of(PowerState.PAUSED), a.stateOf(vmId(2)));
        }

        @Test
        void suspendLeavesAnImageThatResumesOnAnotherHost() throws Exception {
            Vm one = vm(1, GIB);
            a.start(one, false, T1);

            a.suspend(vmId(1), T2);
            assertEquals(Set.of(), a.listRunning());
            assertEquals(0, a.usedMemory());
            assertEquals(Set.of(vmId(1)), world.suspendImages());

            b.resume(one, T3);
            assertEquals(Optional.of(PowerState.RUNNING), b.stateOf(vmId(1)));
            assertEquals(Set.of(), world.suspendImages());
        }

        @Test
        void suspendRefusals() throws Exception {
            a.start(vm(1, GIB), true, T1);

            refused(() -> a.suspend(vmId(1), T2));
            refused(() -> a.suspend(vmId(2), T2));

            assertEquals(Optional.of(PowerState.PAUSED), a.stateOf(vmId(1)));
            assertEquals(Set.of(), world.suspendImages());
        }

        @Test
        void resumeNeedsAnImage() throws Exception {
            HostAgentException e = refused(() -> a.resume(vm(1, GIB), T1));
            assertTrue(e.getMessage().contains("no suspend image"), e.getMessage());

            world.addSuspendImage(vmId(1));
            a.resume(vm(1, GIB), T2);
            assertEquals(Optional.of(PowerState.RUNNING), a.stateOf(vmId(1)));
        }

        @Test
        void resumeRefusedForLackOfMemoryKeepsTheImage() {
            world.addSuspendImage(vmId(1));

            refused(() -> b.resume(vm(1, 5 * GIB), T1));

            assertEquals(Set.of(vmId(1)), world.suspendImages());
            assertEquals(Set.of(), b.listRunning());
        }

        @Test
        void resumeOfAVmRunningHereIsRefused() throws Exception {
            a.start(vm(1, GIB), false, T1);
            world.addSuspendImage(vmId(1));

            refused(() -> a.resume(vm(1, GIB), T2));

            assertEquals(Set.of(vmId(1)), world.suspendImages());
        }

        @Test
        void startDiscardsAStaleImage() throws Exception {
            world.addSuspendImage(vmId(1));

            a.start(vm(1, GIB), false, T1);

            assertEquals(Set.of(), world.suspendImages());
        }
    }

    @Nested
    class Migration {
        @Test
        void migrateOutMovesTheDomainToTheTarget() throws Exception {
            Vm one = vm(1, GIB);
            a.start(one, false, T1);

            a.migrateOut(vmId(1), B, T2);

            assertEquals(Set.of(), a.listRunning());
            assertEquals(Optional.of(PowerState.RUNNING), b.stateOf(vmId(1)));
            assertEquals(one, b.runningVms().get(vmId(1)).vm());
            assertEquals(1, b.callCount("migrateIn"));
            assertEquals(Optional.of(T2), b.highestToken());
            assertEquals(List.of(), world.violations());
        }

        @Test
        void migrateOutRefusalsLeaveTheVmWhereItWas() throws Exception {
            a.start(vm(1, GIB), false, T1);
            a.start(vm(2, GIB), true, T1);

            refused(() -> a.migrateOut(vmId(1), A, T2));
            refused(() -> a.migrateOut(vmId(1), UNKNOWN, T2));
            refused(() -> a.migrateOut(vmId(2), B, T2));
            refused(() -> a.migrateOut(vmId(3), B, T2));

            assertEquals(Set.of(vmId(1), vmId(2)), a.listRunning());
            assertEquals(Set.of(), b.listRunning());
        }

        @Test
        void migrateOutFailsWhenTheTargetRefusesAndTheVmStaysHere() throws Exception {
            a.start(vm(1, 5 * GIB), false, T1);
            a.start(vm(2, GIB), false, T1);

            refused(() -> a.migrateOut(vmId(1), B, T2)); // b has 4 GiB
            b.failNext("migrateIn");
            refused(() -> a.migrateOut(vmId(2), B, T2));
            b.fence(T1);
            refused(() -> a.migrateOut(vmId(2), B, T3));

            assertEquals(Set.of(vmId(1), vmId(2)), a.listRunning());
            assertEquals(Set.of(), b.listRunning());
        }

        @Test
        void migrateOutIsStaleWhenTheTargetHasSeenANewerToken() throws Exception {
            a.start(vm(1, GIB), false, T1);
            b.start(vm(2, GIB), false, token(2, 0));

            stale(() -> a.migrateOut(vmId(1), B, T2));

            assertEquals(Set.of(vmId(1)), a.listRunning());
            assertEquals(Set.of(vmId(2)), b.listRunning());
        }

        @Test
        void migrateInAddsARunningDomainAndAcceptsOneAlreadyHere() throws Exception {
            b.migrateIn(vm(1, GIB), T1);

            assertEquals(Optional.of(PowerState.RUNNING), b.stateOf(vmId(1)));
            b.migrateIn(vm(1, GIB), T2); // the runtime's call after a migration that already moved it here
            refused(() -> b.migrateIn(vm(2, 4 * GIB), T2));
            stale(() -> b.migrateIn(vm(1, GIB), T1));
            assertEquals(Set.of(vmId(1)), b.listRunning());
            assertEquals(Optional.of(T2), b.tokenOf(vmId(1)));
        }

        @Test
        void theRuntimesMigrateInAfterAMigrateOutIsAccepted() throws Exception {
            a.start(vm(1, GIB), false, T1);
            a.migrateOut(vmId(1), B, T2);

            b.migrateIn(vm(1, GIB), T3);

            assertEquals(Set.of(vmId(1)), b.listRunning());
            assertEquals(2, b.callCount("migrateIn"));
            assertEquals(List.of(), world.violations());
        }

        @Test
        void opposingMigrationsFromManyThreadsNeitherDeadlockNorDuplicate() throws Exception {
            int vms = 8;
            for (int i = 0; i < vms; i++) {
                (i % 2 == 0 ? a : b).start(vm(i, 128L << 20), false, T1);
            }
            AtomicLong index = new AtomicLong(10);
            ExecutorService pool = Executors.newFixedThreadPool(vms);
            try {
                List<Future<Integer>> moves = new ArrayList<>();
                for (int i = 0; i < vms; i++) {
                    VmId id = vmId(i);
                    moves.add(pool.submit(() -> bounce(id, index, 200)));
                }
                int moved = 0;
                for (Future<Integer> move : moves) {
                    moved += move.get(30, TimeUnit.SECONDS);
                }
                assertTrue(moved > 0, "some migrations must succeed");
            } finally {
                pool.shutdownNow();
            }
            Set<VmId> everywhere = new HashSet<>(a.listRunning());
            everywhere.addAll(b.listRunning());
            assertEquals(vms, a.listRunning().size() + b.listRunning().size(), "every VM runs exactly once");
            assertEquals(vms, everywhere.size());
            world.assertNoVmEverRanTwice();
        }

        /** Migrates {@code id} back and forth; stale refusals (racing tokens) are expected, nothing else is. */
        private int bounce(VmId id, AtomicLong index, int attempts) throws HostAgentException {
            int moved = 0;
            for (int i = 0; i < attempts; i++) {
                SimulatedHypervisor from = a.stateOf(id).isPresent() ? a : b;
                HostId to = from == a ? B : A;
                try {
                    from.migrateOut(id, to, token(1, index.incrementAndGet()));
                    moved++;
                } catch (HostAgentException e) {
                    if (!e.staleToken()) {
                        throw e;
                    }
                }
            }
            return moved;
        }
    }

    @Nested
    class Memory {
        @Test
        void anExactFitIsAllowedOneByteMoreIsNot() throws Exception {
            b.start(vm(1, 3 * GIB), false, T1);

            refused(() -> b.start(vm(2, GIB + 1), false, T2));
            b.start(vm(3, GIB), true, T2);

            assertEquals(4 * GIB, b.usedMemory());
            refused(() -> b.start(vm(4, 1), false, T3));
        }

        @Test
        void stoppingFreesMemory() throws Exception {
            b.start(vm(1, 4 * GIB), false, T1);
            refused(() -> b.start(vm(2, GIB), false, T2));

            b.stop(vmId(1), true, T2);
            b.start(vm(2, GIB), false, T3);

            assertEquals(GIB, b.usedMemory());
        }

        @Test
        void negativeCapacityIsRejected() {
            assertThrows(IllegalArgumentException.class, () -> new SimulatedHypervisor(C, -1));
        }
    }

    @Nested
    class Tokens {
        @Test
        void anOlderTokenForTheSameVmIsRefusedAsStaleAndChangesNothing() throws Exception {
            a.start(vm(1, GIB), false, T2);

            stale(() -> a.stop(vmId(1), true, T1));

            assertEquals(Set.of(vmId(1)), a.listRunning());
            assertEquals(Optional.of(T2), a.highestToken());
        }

        @Test
        void callsForDifferentVmsOfOneGenerationArriveInAnyOrder() throws Exception {
            a.start(vm(2, GIB), false, T3);

            a.start(vm(1, GIB), false, T1); // dispatched earlier for another VM, overtaken: not stale

            assertEquals(Set.of(vmId(1), vmId(2)), a.listRunning());
            assertEquals(Optional.of(T1), a.tokenOf(vmId(1)));
            assertEquals(Optional.of(T3), a.highestToken());
        }

        @Test
        void anOlderGenerationIsStaleForEveryVm() throws Exception {
            a.start(vm(1, GIB), false, token(2, 1));

            stale(() -> a.start(vm(2, GIB), false, token(1, 99)));

            assertEquals(Set.of(vmId(1)), a.listRunning());
        }

        @Test
        void anEqualTokenIsAcceptedAsARetry() throws Exception {
            a.start(vm(1, GIB), false, T2);

            a.pause(vmId(1), T2);
            a.unpause(vmId(1), T2);

            assertEquals(Optional.of(PowerState.RUNNING), a.stateOf(vmId(1)));
        }

        @Test
        void generationOutranksLogIndex() throws Exception {
            a.start(vm(1, GIB), false, token(1, 100));

            a.pause(vmId(1), token(2, 1));
            stale(() -> a.unpause(vmId(1), token(1, 101)));

            assertEquals(Optional.of(token(2, 1)), a.highestToken());
            assertEquals(Optional.of(PowerState.PAUSED), a.stateOf(vmId(1)));
        }

        @Test
        void theHighestTokenIsEmptyUntilACallAndIsPerHypervisor() throws Exception {
            assertEquals(Optional.empty(), a.highestToken());
            a.start(vm(1, GIB), false, T3);

            assertEquals(Optional.of(T3), a.highestToken());
            assertEquals(Optional.empty(), b.highestToken());
            b.start(vm(2, GIB), false, T1);
        }

        @Test
        void aTokenThatPassedIsRecordedEvenIfTheCallThenFails() {
            refused(() -> a.stop(vmId(1), true, T3));

            assertEquals(Optional.of(T3), a.highestToken());
            stale(() -> a.start(vm(1, GIB), false, T2));
        }

        @Test
        void aStaleCallDoesNotConsumeAnInjectedFailure() throws Exception {
            a.start(vm(1, GIB), false, T2);
            a.failNext("start");

            stale(() -> a.stop(vmId(1), true, T1));
            refused(() -> a.start(vm(2, GIB), false, T2));
            a.start(vm(2, GIB), false, T2);

            assertEquals(Set.of(vmId(1), vmId(2)), a.listRunning());
        }
    }

    @Nested
    class Fencing {
        @Test
        void fenceStopsEverythingAndBlocksFurtherCalls() throws Exception {
            a.start(vm(1, GIB), false, T1);
            a.start(vm(2, GIB), true, T1);

            a.fence(T2);

            assertTrue(a.isFenced());
            assertEquals(Set.of(), a.listRunning());
            assertEquals(0, a.usedMemory());
            HostAgentException e = refused(() -> a.start(vm(3, GIB), false, T3));
            assertTrue(e.getMessage().contains("fenced"), e.getMessage());
            refused(() -> a.migrateIn(vm(3, GIB), T3));
            refused(() -> a.stop(vmId(1), true, T3));
            assertEquals(Set.of(), a.listRunning());
        }

        @Test
        void fenceSucceedsWithAStaleTokenAndKeepsTheHighest() throws Exception {
            a.start(vm(1, GIB), false, T3);

            a.fence(T1);

            assertTrue(a.isFenced());
            assertEquals(Set.of(), a.listRunning());
            assertEquals(Optional.of(T3), a.highestToken());
        }

        @Test
        void fenceRecordsANewerToken() {
            a.fence(token(3, 0));

            assertEquals(Optional.of(token(3, 0)), a.highestToken());
        }

        @Test
        void unfenceServesCallsAgainWithNothingRestored() throws Exception {
            a.start(vm(1, GIB), false, T1);
            a.fence(T2);

            a.unfence();

            assertFalse(a.isFenced());
            assertEquals(Set.of(), a.listRunning());
            stale(() -> a.start(vm(2, GIB), false, T1));
            a.start(vm(2, GIB), false, T3);
            assertEquals(Set.of(vmId(2)), a.listRunning());
        }

        @Test
        void fenceOfACrashedHostSucceedsAndOutlivesBoot() {
            a.crash();
            a.fence(T1);
            a.boot();

            assertTrue(a.isFenced());
            refused(() -> a.start(vm(1, GIB), false, T2));
        }
    }

    @Nested
    class CrashAndBoot {
        @Test
        void crashDestroysEveryDomainAndFailsEveryCall() throws Exception {
            a.start(vm(1, GIB), false, T1);
            world.addSuspendImage(vmId(2));

            a.crash();

            assertFalse(a.isPoweredOn());
            assertEquals(Set.of(), a.listRunning());
            HostAgentException e = refused(() -> a.start(vm(3, GIB), false, T2));
            assertTrue(e.getMessage().contains("powered off"), e.getMessage());
            refused(() -> a.resume(vm(2, GIB), T2));
            refused(() -> a.stop(vmId(1), true, T2));
            assertEquals(Set.of(vmId(2)), world.suspendImages(), "shared storage survives the host");
        }

        @Test
        void aCrashedTargetMakesMigrationFail() throws Exception {
            a.start(vm(1, GIB), false, T1);
            b.crash();

            refused(() -> a.migrateOut(vmId(1), B, T2));

            assertEquals(Set.of(vmId(1)), a.listRunning());
        }

        @Test
        void bootServesCallsAgainAndRemembersTheHighestToken() throws Exception {
            a.start(vm(1, GIB), false, T2);
            a.crash();

            a.boot();

            assertTrue(a.isPoweredOn());
            assertEquals(Set.of(), a.listRunning());
            stale(() -> a.start(vm(1, GIB), false, T1));
            a.start(vm(1, GIB), false, T3);
            assertEquals(Set.of(vmId(1)), a.listRunning());
        }
    }

    @Nested
    class FailureInjection {
        @Test
        void failNextFailsOnlyTheNextCallOfThatOperation() throws Exception {
            a.failNext("start");

            a.migrateIn(vm(9, GIB), T1);
            HostAgentException e = refused(() -> a.start(vm(1, GIB), false, T1));
            assertTrue(e.getMessage().contains("injected"), e.getMessage());
            assertEquals(Optional.empty(), a.stateOf(vmId(1)));

            a.start(vm(1, GIB), false, T1);
            assertEquals(Optional.of(PowerState.RUNNING), a.stateOf(vmId(1)));
        }

        @ParameterizedTest
        @ValueSource(strings = {"stop", "reboot", "pause", "suspend", "migrateOut"})
        void anInjectedFailureChangesNothing(String operation) throws Exception {
            a.start(vm(1, GIB), false, T1);
            a.failNext(operation);

            refused(() -> call(operation, vmId(1)));

            assertEquals(Optional.of(PowerState.RUNNING), a.stateOf(vmId(1)));
            assertEquals(Set.of(), b.listRunning());
            assertEquals(Set.of(), world.suspendImages());
            call(operation, vmId(1)); // consumed: the same call now succeeds
        }

        private void call(String operation, VmId id) throws HostAgentException {
            switch (operation) {
                case "stop" -> a.stop(id, false, T2);
                case "reboot" -> a.reboot(id, false, T2);
                case "pause" -> a.pause(id, T2);
                case "suspend" -> a.suspend(id, T2);
                case "migrateOut" -> a.migrateOut(id, B, T2);
                default -> throw new IllegalArgumentException(operation);
            }
        }

        @Test
        void failuresQueueUp() throws Exception {
            a.failNext("start");
            a.failNext("start");

            refused(() -> a.start(vm(1, GIB), false, T1));
            refused(() -> a.start(vm(1, GIB), false, T1));
            a.start(vm(1, GIB), false, T1);
        }

        @Test
        void aPredicatePicksTheCallToFail() throws Exception {
            a.failNext(call -> call.operation().equals("stop") && call.vm().equals(vmId(2)));

            a.start(vm(1, GIB), false, T1);
            a.start(vm(2, GIB), false, T1);
            a.stop(vmId(1), true, T2);
            refused(() -> a.stop(vmId(2), true, T2));

            assertEquals(Set.of(vmId(2)), a.listRunning());
            a.stop(vmId(2), true, T2);
        }

        @Test
        void clearFailuresDropsPendingOnes() throws Exception {
            a.failNext("unpause");
            a.failNext(call -> true);

            a.clearFailures();

            a.start(vm(1, GIB), true, T1);
            a.unpause(vmId(1), T1);
        }

        @ParameterizedTest
        @ValueSource(strings = {"listRunning", "fence", "shutdown", ""})
        void onlyFailableOperationNamesAreAccepted(String operation) {
            assertThrows(IllegalArgumentException.class, () -> a.failNext(operation));
        }
    }

    @Nested
    class Observability {
        @Test
        void callCountCountsRefusedCallsToo() throws Exception {
            a.start(vm(1, GIB), false, T2);
            refused(() -> a.start(vm(1, GIB), false, T2));
            stale(() -> a.start(vm(1, GIB), false, T1));
            a.listRunning();
            a.fence(T3);
            refused(() -> a.stop(vmId(1), true, T3));

            assertEquals(3, a.callCount("start"));
            assertEquals(1, a.callCount("stop"));
            assertEquals(1, a.callCount("listRunning"));
            assertEquals(1, a.callCount("fence"));
            assertEquals(0, a.callCount("resume"));
            assertThrows(IllegalArgumentException.class, () -> a.callCount("vm-start"));
        }

        @Test
        void identityAndDiagnostics() {
            assertEquals(A, a.hostId());
            assertEquals(8 * GIB, a.memoryCapacity());
            assertEquals(world, a.world());
            assertTrue(a.toString().contains(A.toString()), a.toString());
        }

        @Test
        void theReturnedViewsAreSnapshots() throws Exception {
            Set<VmId> before = a.listRunning();
            var domainsBefore = a.runningVms();

            a.start(vm(1, GIB), false, T1);

            assertEquals(Set.of(), before);
            assertEquals(Map.of(), domainsBefore);
            assertThrows(
                    UnsupportedOperationException.class, () -> a.listRunning().clear());
        }
    }

    @Nested
    class World {
        @Test
        void detectsAVmRunningOnTwoUnfencedHostsAndIgnoresAFencedOne() throws Exception {
            a.start(vm(1, GIB), false, T1);
            b.start(vm(1, GIB), true, T2);
            b.start(vm(2, GIB), false, T2);

            SortedSet<HostId> both = new TreeSet<>(List.of(A, B));
            assertEquals(Map.of(vmId(1), both), world.vmsRunningTwice());
            assertEquals(List.of(new HypervisorWorld.Violation(vmId(1), both, "start", T2)), world.violations());

            b.fence(T3);

            assertEquals(Map.of(), world.vmsRunningTwice());
            assertEquals(1, world.violations().size(), "the history keeps the double run");
            AssertionError e = assertThrows(AssertionError.class, world::assertNoVmEverRanTwice);
            assertTrue(e.getMessage().contains(vmId(1).toString()), e.getMessage());
        }

        @Test
        void aCrashedHostNoLongerCounts() throws Exception {
            a.start(vm(1, GIB), false, T1);
            b.migrateIn(vm(1, GIB), T1);
            assertEquals(Set.of(vmId(1)), world.vmsRunningTwice().keySet());

            a.crash();

            assertEquals(Map.of(), world.vmsRunningTwice());
            assertEquals("migrateIn", world.violations().get(0).operation());
        }

        @Test
        void resumeOnASecondHostIsCaught() throws Exception {
            a.start(vm(1, GIB), false, T1);
            world.addSuspendImage(vmId(1));

            b.resume(vm(1, GIB), T2);

            assertEquals(Set.of(vmId(1)), world.vmsRunningTwice().keySet());
        }

        @Test
        void aCleanHistoryPasses() throws Exception {
            a.start(vm(1, GIB), false, T1);
            a.stop(vmId(1), true, T2);
            b.start(vm(1, GIB), false, T3);

            world.assertNoVmEverRanTwice();
            assertEquals(Map.of(), world.vmsRunningTwice());
        }

        @Test
        void registrationIsByHostAndUnique() {
            assertEquals(List.of(a, b), world.hypervisors());
            assertEquals(Optional.of(b), world.hypervisor(B));
            assertEquals(Optional.empty(), world.hypervisor(C));
            assertThrows(IllegalArgumentException.class, () -> new SimulatedHypervisor(A, GIB, world));
            assertEquals(List.of(a, b), world.hypervisors());
        }

        @Test
        void aCompleteWorldRefusesHostsOutsideIt() throws Exception {
            a.start(vm(1, GIB), false, T1);

            assertTrue(world.isComplete());
            refused(() -> a.migrateOut(vmId(1), UNKNOWN, T2));
            refused(() -> a.resume(vm(2, GIB), T2));
            assertEquals(Set.of(vmId(1)), a.listRunning());
        }

        @Test
        void aStandaloneHypervisorIsAloneInAPartialWorld() throws Exception {
            SimulatedHypervisor alone = new SimulatedHypervisor(A, 2 * GIB);
            alone.start(vm(1, GIB), false, T1);

            assertEquals(List.of(alone), alone.world().hypervisors());
            assertFalse(alone.world().isComplete());
            assertEquals(Map.of(), world.vmsRunningTwice(), "worlds are separate");
            assertEquals(
                    List.of(),
                    world.hypervisors().stream().filter(h -> h == alone).toList());
        }

        @Test
        void aPartialWorldTrustsHostsOutOfSight() throws Exception {
            SimulatedHypervisor inside = new SimulatedHypervisor(A, 2 * GIB, HypervisorWorld.partial());
            inside.start(vm(1, GIB), false, T1);

            inside.migrateOut(vmId(1), B, T2);
            assertEquals(Set.of(), inside.listRunning());

            inside.resume(vm(2, GIB), T3);
            assertEquals(Optional.of(PowerState.RUNNING), inside.stateOf(vmId(2)));
            refused(() -> inside.migrateOut(vmId(2), A, T3));
            refused(() -> inside.resume(vm(3, 2 * GIB), T3));
        }
    }

    @Nested
    class Concurrency {
        @Test
        void concurrentStartsAndStopsOfDistinctVmsLoseNoUpdate() throws Exception {
            int threads = 8;
            int vmsPerThread = 4;
            int rounds = 250;
            SimulatedHypervisor big = new SimulatedHypervisor(C, 1L << 40, world);
            AtomicLong index = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Worker>> futures = new ArrayList<>();
            try {
                for (int t = 0; t < threads; t++) {
                    Worker worker = new Worker(big, index, t * vmsPerThread, vmsPerThread, rounds);
                    futures.add(pool.submit(worker));
                }
                Set<VmId> expectedRunning = new TreeSet<>();
                long accepted = 0;
                long staleRefusals = 0;
                for (Future<Worker> future : futures) {
                    Worker worker = future.get(30, TimeUnit.SECONDS);
                    expectedRunning.addAll(worker.running);
                    accepted += worker.accepted;
                    staleRefusals += worker.stale;
                }
                long calls = (long) threads * vmsPerThread * rounds;
                assertEquals(calls, accepted + staleRefusals);
                assertEquals(calls, big.callCount("start") + big.callCount("stop"));
                assertTrue(accepted > 0);
                assertEquals(expectedRunning, big.listRunning(), "each thread's view of its VMs is the truth");
                assertEquals(Optional.of(token(1, index.get())), big.highestToken(), "the last token drawn wins");
                assertEquals(expectedRunning.size() * GIB, big.usedMemory());
            } finally {
                pool.shutdownNow();
            }
        }

        /** Toggles its own VMs between running and halted; only a stale-token refusal may fail a call. */
        private static final class Worker implements Callable<Worker> {
            private final SimulatedHypervisor hypervisor;
            private final AtomicLong index;
            private final int firstVm;
            private final int vms;
            private final int rounds;
            private final Set<VmId> running = new HashSet<>();
            private final Set<VmId> paused = new HashSet<>();
            private long accepted;
            private long stale;

            Worker(SimulatedHypervisor hypervisor, AtomicLong index, int firstVm, int vms, int rounds) {
                this.hypervisor = hypervisor;
                this.index = index;
                this.firstVm = firstVm;
                this.vms = vms;
                this.rounds = rounds;
            }

            @Override
            public Worker call() throws HostAgentException {
                for (int round = 0; round < rounds; round++) {
                    for (int n = firstVm; n < firstVm + vms; n++) {
                        VmId id = vmId(n);
                        FencingToken next = token(1, index.incrementAndGet());
                        try {
                            if (running.contains(id)) {
                                // A clean shutdown needs a running guest.
                                hypervisor.stop(id, paused.contains(id) || round % 2 == 0, next);
                                running.remove(id);
                            } else {
                                boolean startPaused = round % 3 == 0;
                                hypervisor.start(vm(n, GIB), startPaused, next);
                                running.add(id);
                                if (startPaused) {
                                    paused.add(id);
                                } else {
                                    paused.remove(id);
                                }
                            }
                            accepted++;
                        } catch (HostAgentException e) {
                            if (!e.staleToken()) {
                                throw e;
                            }
                            stale++;
                        }
                    }
                }
                return this;
            }
        }
    }
}
