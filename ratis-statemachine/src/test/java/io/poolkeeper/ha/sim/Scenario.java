package io.poolkeeper.ha.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One simulator scenario: a pool, a script of timed faults, how long to run, and the transcript it is expected to
 * produce. Its text form is {@link ScenarioFile}'s.
 *
 * @param intent what the scenario shows, the file's leading {@code #} lines (without the {@code #})
 * @param setup the pool: seed, timing, hosts and VMs
 * @param events the script, in time order
 * @param runFor how long to run, from virtual time 0
 * @param expected the expected transcript, empty when not yet recorded
 */
record Scenario(List<String> intent, Setup setup, List<Event> events, long runFor, List<String> expected) {

    Scenario {
        intent = List.copyOf(intent);
        Objects.requireNonNull(setup, "setup");
        events = List.copyOf(events);
        expected = List.copyOf(expected);
    }

    Scenario withEvents(List<Event> newEvents) {
        return new Scenario(intent, setup, newEvents, runFor, expected);
    }

    Scenario withExpected(List<String> transcript) {
        return new Scenario(intent, setup, events, runFor, transcript);
    }

    /**
     * The pool of a scenario.
     *
     * @param seed the simulator's seed (transit times, clock offsets, tick phases)
     * @param haTimeout T, nanoseconds
     * @param heartbeatFloor the shortest heartbeat interval, nanoseconds
     * @param hosts the hosts, in declaration order
     * @param vms the VMs, running at time 0
     */
    record Setup(long seed, long haTimeout, long heartbeatFloor, List<HostLine> hosts, List<VmLine> vms) {
        Setup {
            hosts = List.copyOf(hosts);
            vms = List.copyOf(vms);
        }

        int indexOf(String host) {
            for (int i = 0; i < hosts.size(); i++) {
                if (hosts.get(i).name().equals(host)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("no host " + host);
        }
    }

    /**
     * A host of the setup.
     *
     * @param name its name
     * @param uuidPrefix the leading hex digits of its UUID (the rest zeros): the order of these decides ties
     * @param master whether it is master at time 0
     * @param witness whether it is a witness
     * @param memoryGib its memory in GiB
     * @param rate its clock's rate (1 is true time)
     */
    record HostLine(String name, String uuidPrefix, boolean master, boolean witness, long memoryGib, double rate) {}

    /**
     * A VM of the setup, running on {@code host} at time 0.
     *
     * @param priority {@code restart}, {@code best-effort} or {@code none}
     */
    record VmLine(String name, String host, String priority, long order, long memoryGib) {}

    /**
     * One scripted fault: {@code at <time> <verb> <args…>}.
     *
     * @param at virtual time, nanoseconds
     * @param verb what happens (see {@link ScenarioRunner})
     * @param args its arguments
     */
    record Event(long at, String verb, List<String> args) {
        Event {
            args = List.copyOf(args);
        }

        static Event of(long at, String verb, String... args) {
            return new Event(at, verb, List.of(args));
        }

        @Override
        public String toString() {
            List<String> words = new ArrayList<>();
            words.add("at");
            words.add(ScenarioFile.duration(at));
            words.add(verb);
            words.addAll(args);
            return String.join(" ", words);
        }
    }
}
