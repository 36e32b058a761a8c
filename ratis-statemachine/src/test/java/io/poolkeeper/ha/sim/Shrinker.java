package io.poolkeeper.ha.sim;

import io.poolkeeper.ha.sim.Scenario.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Delta debugging (Zeller's ddmin) over a failing scenario's script: drops chunks of events, ever smaller, while the
 * scenario still fails, so that what is left is a short replayable scenario. Bounded in runs.
 */
final class Shrinker {
    private static final int MAX_RUNS = 400;

    private Shrinker() {}

    static Scenario shrink(Scenario failing, Predicate<Scenario> fails) {
        List<Event> events = new ArrayList<>(failing.events());
        int chunks = 2;
        int runs = 0;
        while (events.size() >= 2 && runs < MAX_RUNS) {
            int size = (events.size() + chunks - 1) / chunks;
            boolean reduced = false;
            for (int start = 0; start < events.size() && runs < MAX_RUNS; start += size) {
                List<Event> complement = new ArrayList<>(events.subList(0, start));
                complement.addAll(events.subList(Math.min(events.size(), start + size), events.size()));
                runs++;
                if (fails.test(failing.withEvents(complement))) {
                    events = complement;
                    chunks = Math.max(chunks - 1, 2);
                    reduced = true;
                    break;
                }
            }
            if (!reduced) {
                if (chunks >= events.size()) {
                    break;
                }
                chunks = Math.min(chunks * 2, events.size());
            }
        }
        if (events.size() == 1 && fails.test(failing.withEvents(List.of()))) {
            events = List.of();
        }
        return failing.withEvents(events);
    }
}
