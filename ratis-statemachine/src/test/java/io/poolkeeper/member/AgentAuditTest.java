package io.poolkeeper.member;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What a restarted member reports, and which interrupted operations it takes as done. */
@Timeout(10)
class AgentAuditTest {
    private static final HostId SELF = HostId.of("00000001-0000-4000-8000-000000000000");
    private static final HostId OTHER = HostId.of("00000002-0000-4000-8000-000000000000");

    private static Vm halted(int n) {
        return new Vm(
                VmId.of(String.format("%08x-0000-4000-8000-000000000000", n)),
                "vm" + n,
                PowerState.HALTED,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                1L << 30,
                1,
                HaRestartPriority.RESTART,
                false,
                0,
                Optional.empty());
    }

    @Test
    void reportsWhatRunsUnrecordedAndWhatIsRecordedButNotRunningAndSkipsOperationsInProgress() {
        Vm runningHere = halted(1).settled(PowerState.RUNNING, Optional.of(SELF));
        Vm pausedHereButGone = halted(2).settled(PowerState.PAUSED, Optional.of(SELF));
        Vm haltedButRunning = halted(3);
        Vm runningElsewhereButHere = halted(4).settled(PowerState.RUNNING, Optional.of(OTHER));
        Vm startingHere = halted(5).operating(VmOperation.START, Optional.of(SELF));
        Vm migratingHere = halted(6)
                .settled(PowerState.RUNNING, Optional.of(OTHER))
                .operating(VmOperation.MIGRATE, Optional.of(SELF));
        Vm stoppingHere = halted(7)
                .settled(PowerState.RUNNING, Optional.of(SELF))
                .operating(VmOperation.CLEAN_SHUTDOWN, Optional.empty());
        PoolState state = PoolState.empty();
        for (Vm vm : List.of(
                runningHere,
                pausedHereButGone,
                haltedButRunning,
                runningElsewhereButHere,
                startingHere,
                migratingHere,
                stoppingHere)) {
            state = state.withVm(vm);
        }
        Set<VmId> running = Set.of(
                runningHere.uuid(),
                haltedButRunning.uuid(),
                runningElsewhereButHere.uuid(),
                startingHere.uuid(),
                migratingHere.uuid());

        AgentAudit audit = AgentAudit.of(SELF, state, running);

        assertEquals(
                new TreeSet<>(Set.of(haltedButRunning.uuid(), runningElsewhereButHere.uuid())), audit.unexpected());
        assertEquals(new TreeSet<>(Set.of(pausedHereButGone.uuid())), audit.missing());
        List<PoolCommand> alerts = audit.alerts(SELF, new FencingToken(3, 40));
        assertEquals(3, alerts.size());
        assertEquals(3, alerts.stream().map(PoolCommand::requestId).distinct().count(), "one id per report");
        Operation.PoolAlert first = (Operation.PoolAlert) alerts.get(0).operation();
        assertEquals(ErrorCode.HOST_RUNS_UNEXPECTED_VM, first.code());
        assertEquals(List.of(haltedButRunning.uuid().toString(), SELF.toString()), first.params());
        Operation.PoolAlert last = (Operation.PoolAlert) alerts.get(2).operation();
        assertEquals(ErrorCode.HOST_MISSING_RUNNING_VM, last.code());
    }

    @Test
    void nothingToReportWhenTheHypervisorAgrees() {
        Vm runningHere = halted(1).settled(PowerState.RUNNING, Optional.of(SELF));
        AgentAudit audit = AgentAudit.of(SELF, PoolState.empty().withVm(runningHere), Set.of(runningHere.uuid()));

        assertTrue(audit.unexpected().isEmpty());
        assertTrue(audit.missing().isEmpty());
        assertEquals(List.of(), audit.alerts(SELF, new FencingToken(1, 1)));
    }

    @ParameterizedTest
    @EnumSource(VmOperation.class)
    void onlyStartsOfRunningVmsAndShutdownsOfStoppedOnesAreTakenAsDone(VmOperation op) {
        boolean starts = op == VmOperation.START || op == VmOperation.START_PAUSED || op == VmOperation.RESUME;
        boolean stops = op == VmOperation.CLEAN_SHUTDOWN || op == VmOperation.HARD_SHUTDOWN;

        assertEquals(starts, AgentCalls.doneAlready(op, true));
        assertEquals(stops, AgentCalls.doneAlready(op, false));
        if (!starts && !stops) {
            assertFalse(AgentCalls.doneAlready(op, true) || AgentCalls.doneAlready(op, false));
        }
    }
}
