package io.poolkeeper.ha.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.VmId;
import io.poolkeeper.ha.HaSettings;
import io.poolkeeper.ha.sim.Scenario.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The simulator's own tools: the safety checker sees what it must, the shrinker shrinks, files round-trip. */
@Timeout(60)
class SimToolsTest {
    private static final HaSettings SETTINGS = new HaSettings(Duration.ofMillis(100), 0.1, 2);

    @Test
    void theCheckerReportsAVmRunningOnTwoHostsAtTheNextEvent() {
        HaWorld w = new HaWorld(1, 3, SETTINGS, 0.01);
        VmId vm = w.protectedVm(0, 0);
        w.runFor(Duration.ofMillis(100));
        assertEquals(List.of(), w.violations());
        w.hypervisors().start(2, vm);
        w.runFor(Duration.ofMillis(100));
        assertEquals(1, w.violations().size(), () -> "violations: " + w.violations());
        assertTrue(w.violations().get(0).contains("vm1 runs on both h0 and h2"), w.violations()::toString);
    }

    @Test
    void theCheckerReportsAnAcknowledgedWriteMissingFromANewMaster() {
        HaWorld w = new HaWorld(2, 3, SETTINGS, 0.01);
        w.runFor(Duration.ofSeconds(2));
        assertTrue(w.checker().acknowledgedCount() > 0);
        w.member(1).ledger = Ledger.EMPTY; // as if it had lost its log
        w.designate(1);
        assertTrue(w.violations().stream().anyMatch(v -> v.contains("lost: new master h1")), w.violations()::toString);
    }

    @Test
    void theShrinkerKeepsOnlyTheEventsTheFailureNeeds() {
        Scenario s = ScheduleGenerator.generate(7);
        List<Event> events = new ArrayList<>(s.events());
        Event a = Event.of(Sim.SECOND, "crash", "h1");
        Event b = Event.of(2 * Sim.SECOND, "isolate", "h2");
        events.add(3, a);
        events.add(events.size() - 1, b);
        Scenario shrunk = Shrinker.shrink(
                s.withEvents(events), x -> x.events().contains(a) && x.events().contains(b));
        assertEquals(List.of(a, b), shrunk.events());
    }

    @Test
    void aGeneratedScheduleRoundTripsThroughItsFileAndReplaysTheSame() {
        Scenario s = ScheduleGenerator.generate(42);
        ScenarioRunner.Run run = ScenarioRunner.run(s);
        String text = ScenarioFile.format(s.withExpected(run.transcript()));
        Scenario parsed = ScenarioFile.parse(text);
        assertEquals(text, ScenarioFile.format(parsed));
        assertEquals(run.transcript(), ScenarioRunner.run(parsed).transcript());
    }
}
