package io.poolkeeper.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The envelope of {@link Transition#apply}: the pool precondition, the generation check, request-id de-duplication
 * and its bounded window, and undecodable commands.
 */
@Timeout(30)
class TransitionTest {
    private static final long GIB = PoolFixture.GIB;
    private static final PoolId POOL = PoolFixture.POOL;
    private static final HostId MASTER = host(1);
    private static final HostId A = host(2);
    private static final VmId VM = vm(1);
    private static final SrId SR = PoolFixture.srId(1);
    private static final PbdId PBD = PoolFixture.pbdId(1);
    private static final VdiId VDI = PoolFixture.vdiId(1);
    private static final VbdId VBD = PoolFixture.vbdId(1);

    // ---------------------------------------------------------------- NO_POOL

    /** One command of every operation kind. */
    static List<Operation> everyOperation() {
        return List.of(
                new Operation.PoolCreate(POOL, "lab", spec(MASTER), 0),
                TestJoinTokens.join(spec(A)),
                new Operation.PoolJoinTokenCreate(TestJoinTokens.ID, TestJoinTokens.SHA256, 60_000),
                new Operation.PoolJoinTokenRevoke(TestJoinTokens.ID),
                new Operation.PoolEject(A),
                new Operation.PoolDesignateNewMaster(A),
                new Operation.PoolParamSet("name-label", "x"),
                new Operation.PoolHaEnable(0),
                new Operation.PoolHaDisable(),
                new Operation.HostForget(A),
                new Operation.HostDeclareDead(A),
                new Operation.HostEnable(A),
                new Operation.HostDisable(A),
                new Operation.HostEvacuate(A),
                vmCreate(VM),
                new Operation.VmDestroy(VM),
                new Operation.VmParamSet(VM, "name-label", "x"),
                new Operation.VmStart(VM, Optional.empty(), false),
                new Operation.VmShutdown(VM, false),
                new Operation.VmReboot(VM, false),
                new Operation.VmSuspend(VM),
                new Operation.VmResume(VM, Optional.empty()),
                new Operation.VmPause(VM),
                new Operation.VmUnpause(VM),
                new Operation.VmMigrate(VM, A),
                new Operation.VmCompleteOperation(VM, VmOperation.START, true),
                new Operation.VmResetPowerstate(VM, true),
                new Operation.SrCreate(SR, "sr", "nfs", true, new TreeMap<>(), new TreeMap<>()),
                new Operation.SrForget(SR),
                new Operation.PbdCreate(PBD, SR, A, new TreeMap<>()),
                new Operation.PbdPlug(PBD),
                new Operation.PbdUnplug(PBD),
                new Operation.VdiCreate(VDI, SR, "disk", GIB),
                new Operation.VdiDestroy(VDI),
                new Operation.VbdCreate(VBD, VM, VDI, "xvda"),
                new Operation.VbdDestroy(VBD),
                new Operation.PoolSetMaster(A),
                new Operation.HostSetLive(A, true),
                new Operation.HostFenced(A),
                new Operation.PoolAlert(ErrorCode.DEFAULT_SR_INVALID, List.of()),
                new Operation.PoolSetHaPlan(0, false),
                new Operation.PoolImport(onePool().state(), 2, MASTER),
                new Operation.PoolImportBegin("import/2", 2, MASTER, 1, 1),
                new Operation.PoolImportChunk("import/2", 0, onePool().state()),
                new Operation.PoolImportCommit("import/2"),
                new Operation.Invalid(ErrorCode.MALFORMED_COMMAND, "garbage"));
    }

    @Test
    void theTablesCoverEveryOperationKind() {
        Set<Class<?>> covered = everyOperation().stream().map(Object::getClass).collect(Collectors.toSet());
        Set<Class<?>> all = Set.copyOf(Arrays.asList(Operation.class.getPermittedSubclasses()));
        assertEquals(all, covered, "add a row for every new operation");
    }

    static Stream<Operation> operationsNeedingAPool() {
        return everyOperation().stream().filter(op -> !op.createsPool());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operationsNeedingAPool")
    void aMemberInNoPoolRefusesEveryOperationButCreateAndImport(Operation op) {
        Rejection r = PoolFixture.empty().reject(op, ErrorCode.NO_POOL);
        assertEquals(List.of(), r.params());
    }

    @Test
    void onlyCreateImportAndInvalidSkipThePoolCheck() {
        Set<String> creating = everyOperation().stream()
                .filter(Operation::createsPool)
                .map(Operation::xeName)
                .collect(Collectors.toSet());
        assertEquals(
                Set.of(
                        "pool-create",
                        "pool-import",
                        "pool-import-begin",
                        "pool-import-chunk",
                        "pool-import-commit",
                        "invalid"),
                creating);
    }

    // ---------------------------------------------------------------- POOL_GENERATION_STALE

    @ParameterizedTest(name = "expected generation {0}")
    @ValueSource(longs = {1, 3, -1, Long.MAX_VALUE})
    void aCommandForAnotherGenerationIsRefused(long expected) {
        PoolState state = importedPool(2);
        Rejection r = rejected(state, new PoolCommand("", 0, expected, new Operation.PoolParamSet("name-label", "x")));
        assertEquals(ErrorCode.POOL_GENERATION_STALE, r.code());
        assertEquals(List.of(String.valueOf(expected), "2"), r.params());
    }

    @ParameterizedTest(name = "expected generation {0}")
    @ValueSource(longs = {0, 2})
    void aCommandForTheCurrentGenerationOrAnyIsApplied(long expected) {
        PoolState state = importedPool(2);
        PoolState next = applied(
                        state, new PoolCommand("", 0, expected, new Operation.PoolParamSet("name-label", "x")), 9)
                .next();
        assertEquals("x", next.requirePool().nameLabel());
    }

    @Test
    void theGenerationIsNotCheckedOnAMemberInNoPool() {
        PoolCommand create = new PoolCommand("", 0, 7, new Operation.PoolCreate(POOL, "lab", spec(MASTER), 0));
        assertEquals(
                1, applied(PoolState.empty(), create, 1).next().requirePool().generation());
    }

    // ---------------------------------------------------------------- request-id de-duplication

    @Test
    void aRepeatedRequestIdGetsTheFirstResultAndIsAppliedOnce() {
        PoolFixture pool = onePool();
        pool.join(A, 8 * GIB).createVm(VM, GIB);
        Operation start = new Operation.VmStart(VM, Optional.empty(), false);

        Outcome.Applied first = applied(pool.state(), new PoolCommand("start-1", 0, 0, start), 10);
        HostId placed = PoolFixture.placed(first.result());
        assertEquals(
                new AppliedRequests.Entry("start-1", 10, 0, first.result()),
                first.next().requests().find("start-1").get());

        // Applied again, the start would be refused: the VM is busy. The retry is answered from the window instead.
        Outcome.Applied again = applied(first.next(), new PoolCommand("start-1", 99, 0, start), 11);
        assertEquals(new Result.Placed(placed), again.result());
        assertSame(first.next(), again.next(), "a retry changes nothing, not even the window");

        Rejection other = rejected(first.next(), new PoolCommand("start-2", 0, 0, start));
        assertEquals(
                ErrorCode.OTHER_OPERATION_IN_PROGRESS,
                other.code(),
                "the request id is what is remembered, not the operation");
    }

    @Test
    void aRetriedJoinAddsTheHostOnce() {
        PoolCommand join = new PoolCommand("join-a", 0, 0, TestJoinTokens.join(spec(A)));
        Outcome.Applied first = applied(onePool().state(), join, 5);
        Outcome.Applied again = applied(first.next(), join, 6);
        assertEquals(new Result.Joined(HostRole.VOTER), again.result());
        assertEquals(2, again.next().hosts().size());
    }

    @Test
    void aRetriedPoolCreateIsAnsweredEvenThoughThePoolNowExists() {
        PoolCommand create = new PoolCommand("c", 0, 0, new Operation.PoolCreate(POOL, "lab", spec(MASTER), 0));
        Outcome.Applied first = applied(PoolState.empty(), create, 1);
        assertEquals(Result.DONE, applied(first.next(), create, 2).result(), "not POOL_ALREADY_EXISTS");
    }

    @Test
    void aRefusedRequestIdIsNotRememberedSoItsRetryIsJudgedAfresh() {
        PoolFixture pool = onePool();
        pool.join(A, 8 * GIB).createVm(VM, GIB).setLive(A, false);
        PoolCommand startOnA = new PoolCommand("start-a", 0, 0, new Operation.VmStart(VM, Optional.of(A), false));

        assertEquals(ErrorCode.HOST_OFFLINE, rejected(pool.state(), startOnA).code());

        pool.setLive(A, true);
        assertEquals(new Result.Placed(A), applied(pool.state(), startOnA, 22).result());
    }

    @Test
    void aCommandWithoutRequestIdIsNotRemembered() {
        PoolFixture pool = onePool();
        AppliedRequests before = pool.state().requests();
        pool.createVm(VM, GIB);
        assertEquals(before, pool.state().requests());
        pool.reject(vmCreate(VM), ErrorCode.UUID_ALREADY_EXISTS);
    }

    @Test
    void theWindowEvictsTheOldestBeyondItsCapacity() {
        PoolState state = withWindow(onePool().state(), 2);
        // Ids in reverse alphabetical order of application: eviction must follow the log, not the ids.
        state = applied(state, new PoolCommand("z", 0, 0, vmCreate(vm(1))), 10).next();
        state = applied(state, new PoolCommand("m", 0, 0, vmCreate(vm(2))), 11).next();
        assertTrue(state.requests().find("z").isPresent());
        state = applied(state, new PoolCommand("a", 0, 0, vmCreate(vm(3))), 12).next();

        assertEquals(Optional.empty(), state.requests().find("z"), "the oldest left");
        assertEquals(11, state.requests().find("m").orElseThrow().logIndex());
        assertEquals(12, state.requests().find("a").orElseThrow().logIndex());
        assertEquals(2, state.requests().size());
        assertEquals(List.of(11L, 12L), List.copyOf(state.requests().byIndex().keySet()));

        // An evicted request is applied again (here: refused, as the VM exists); a kept one is answered.
        assertEquals(
                ErrorCode.UUID_ALREADY_EXISTS,
                rejected(state, new PoolCommand("z", 0, 0, vmCreate(vm(1)))).code());
        assertEquals(
                Result.DONE,
                applied(state, new PoolCommand("m", 0, 0, vmCreate(vm(2))), 13).result());
    }

    @Test
    void theWindowFollowsTheCommandSequenceWhenCommandsShareALogEntry() {
        PoolState state = withWindow(onePool().state(), 1);
        // One log entry (index 7) holding two commands: the second is the newer, though the log index is the same.
        state = applied(state, new PoolCommand("b", 0, 0, vmCreate(vm(1))), new ApplyContext(7, 20))
                .next();
        state = applied(state, new PoolCommand("a", 0, 0, vmCreate(vm(2))), new ApplyContext(7, 21))
                .next();
        assertEquals(Optional.empty(), state.requests().find("b"));
        assertEquals(21, state.requests().find("a").orElseThrow().logIndex());
        assertEquals(1, state.requests().size());
    }

    @Test
    void aWindowNeedsRoomForOneRequest() {
        assertThrows(IllegalArgumentException.class, () -> AppliedRequests.empty(0, 1));
        assertThrows(IllegalArgumentException.class, () -> AppliedRequests.empty(1, 0));
        assertEquals(
                AppliedRequests.DEFAULT_CAPACITY, PoolState.empty().requests().capacity());
    }

    /**
     * A forced transition re-founds the pool on a new Raft group, whose log starts again at the beginning (DESIGN
     * §5): the survivor's window, numbered by the old group's log, must still leave first, and still answer retries.
     */
    @Test
    void requestsAfterAnImportAreRememberedThoughTheNewLogStartsOver() {
        PoolState survivor = withWindow(onePool().state(), 2);
        survivor = applied(survivor, new PoolCommand("old-1", 0, 0, vmCreate(vm(1))), 1000)
                .next();
        survivor = applied(survivor, new PoolCommand("old-2", 0, 0, vmCreate(vm(2))), 1001)
                .next();

        PoolState state = applied(PoolState.empty(), PoolCommand.of(new Operation.PoolImport(survivor, 2, MASTER)), 1)
                .next();
        assertEquals(
                List.of("old-1", "old-2"),
                state.requests().byIndex().values().stream()
                        .map(AppliedRequests.Entry::requestId)
                        .toList(),
                "order kept");
        assertEquals(
                Result.DONE,
                applied(state, new PoolCommand("old-2", 0, 0, vmCreate(vm(2))), 2)
                        .result(),
                "a retry from before the transition is still answered");

        state = applied(state, new PoolCommand("new-1", 0, 0, vmCreate(vm(3))), 3)
                .next();
        assertEquals(Optional.empty(), state.requests().find("old-1"), "the old group's requests leave first");
        assertEquals(
                Result.DONE,
                applied(state, new PoolCommand("new-1", 0, 0, vmCreate(vm(3))), 4)
                        .result(),
                "a request of the new group must not be forgotten at once");
    }

    /**
     * The import goes on with the survivor's pool time (the leader stamps it so, see {@code PoolStateMachine}): the
     * window keeps its ids however long the old pool's time stood still against the new leader's wall clock.
     */
    @Test
    void anImportStampedWithTheSurvivorsPoolTimeKeepsItsWindow() {
        long t0 = 1_700_000_000_000L;
        PoolState survivor = onePool().state();
        survivor = applied(survivor, new PoolCommand("old-1", t0, 0, vmCreate(vm(1))), 1000)
                .next();
        survivor = applied(survivor, new PoolCommand("old-2", t0 + 10, 0, vmCreate(vm(2))), 1001)
                .next();
        long poolTime = survivor.requests().poolTimeMillis();
        assertEquals(t0 + 10, poolTime);

        Operation.PoolImport op = new Operation.PoolImport(survivor, 2, MASTER);
        PoolState state = applied(PoolState.empty(), new PoolCommand("import", poolTime, 0, op), 1)
                .next();
        assertEquals(
                List.of("old-1", "old-2", "import"),
                state.requests().byIndex().values().stream()
                        .map(AppliedRequests.Entry::requestId)
                        .toList());
        assertEquals(t0, state.requests().find("old-1").orElseThrow().appliedAtMillis(), "times kept");

        // Had it been stamped with a wall clock an hour past the survivor's pool time, the window would be gone.
        PoolState late = applied(PoolState.empty(), new PoolCommand("import", poolTime + 3_600_000, 0, op), 1)
                .next();
        assertEquals(Optional.empty(), late.requests().find("old-2"));
    }

    // ---------------------------------------------------------------- Invalid

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anUndecodableCommandIsRefusedWithItsOwnCode(boolean inAPool) {
        PoolFixture pool = inAPool ? onePool() : PoolFixture.empty();
        Rejection r = pool.reject(
                new Operation.Invalid(ErrorCode.UNKNOWN_OPERATION, "body 999"), ErrorCode.UNKNOWN_OPERATION);
        assertEquals(List.of("body 999"), r.params());
        r = pool.reject(new Operation.Invalid(ErrorCode.MALFORMED_COMMAND, "truncated"), ErrorCode.MALFORMED_COMMAND);
        assertEquals(List.of("truncated"), r.params());
    }

    // ---------------------------------------------------------------- helpers

    private static PoolFixture onePool() {
        return PoolFixture.withMaster(MASTER, 8 * GIB);
    }

    /** A pool re-founded under {@code generation}, with a joined host and a VM. */
    private static PoolState importedPool(long generation) {
        PoolFixture old = onePool();
        old.join(A, 8 * GIB).createVm(VM, GIB);
        PoolFixture pool = PoolFixture.empty();
        pool.apply(new Operation.PoolImport(old.state(), generation, A));
        assertEquals(generation, pool.state().requirePool().generation());
        return pool.state();
    }

    private static PoolState withWindow(PoolState state, int capacity) {
        return state.withRequests(AppliedRequests.empty(capacity, AppliedRequests.DEFAULT_HORIZON_MILLIS));
    }

    /** Applies {@code command} as the command numbered {@code sequence}; it must be applied and keep the invariants. */
    private static Outcome.Applied applied(PoolState state, PoolCommand command, long sequence) {
        return applied(state, command, new ApplyContext(sequence));
    }

    private static Outcome.Applied applied(PoolState state, PoolCommand command, ApplyContext context) {
        Outcome outcome = Transition.apply(state, command, context);
        Outcome.Applied applied = assertInstanceOf(Outcome.Applied.class, outcome, () -> command + ": " + outcome);
        assertEquals(List.of(), Invariants.violations(applied.next()), command + " broke an invariant");
        return applied;
    }

    /** Applies {@code command}, which must be refused; a refusal carries no state, the caller's is kept. */
    private static Rejection rejected(PoolState state, PoolCommand command) {
        Outcome outcome = Transition.apply(state, command, new ApplyContext(Long.MAX_VALUE));
        return assertInstanceOf(Outcome.Rejected.class, outcome, () -> command + ": " + outcome)
                .rejection();
    }

    private static Operation.VmCreate vmCreate(VmId id) {
        return PoolFixture.vmCreate(id, GIB);
    }

    private static Operation.HostSpec spec(HostId id) {
        return PoolFixture.spec(id, 8 * GIB, false);
    }

    private static HostId host(int n) {
        return PoolFixture.hostId(n);
    }

    private static VmId vm(int n) {
        return PoolFixture.vmId(n);
    }
}
