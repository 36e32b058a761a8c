package io.poolkeeper.ha.sim;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.ha.HaSettings;
import io.poolkeeper.ha.sim.Scenario.Event;
import io.poolkeeper.ha.sim.Scenario.HostLine;
import io.poolkeeper.ha.sim.Scenario.Setup;
import io.poolkeeper.ha.sim.Scenario.VmLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Runs a {@link Scenario} in an {@link HaWorld}: builds the pool, enables HA at time 0, plays the script, and once
 * the last fault is past checks liveness: every protected VM runs again within its bound
 * {@code D + W(1+ρ) + ε + restart slack} (if a master is left and the pool has room for it). The outcome is the
 * transcript (the shown entries, then the end state) and the violations.
 *
 * <p>Script verbs (hosts by name): {@code cut A B}, {@code cut A -> B} (one way), {@code heal A B},
 * {@code heal A -> B}, {@code heal all} (links, loss and delay), {@code isolate A} (cable pulled), {@code reconnect A},
 * {@code partition A B | C | D E} (cuts between the groups), {@code crash A} (power-off), {@code power-on A},
 * {@code member-restart A 2s}, {@code pause A 500ms}, {@code loss A B 0.3} or {@code loss all 0.3} (both ways),
 * {@code delay A B 200ms} or {@code delay all 200ms} (extra transit up to that, both ways).
 */
final class ScenarioRunner {
    /** ρ for the scenarios: DESIGN §6. */
    static final double DRIFT = 0.1;

    /** A scenario's outcome: its transcript and the invariants it broke. */
    record Run(List<String> transcript, List<String> violations, boolean masterAtEnd) {
        boolean failed() {
            return !violations.isEmpty();
        }
    }

    private ScenarioRunner() {}

    static HostId hostId(String uuidPrefix) {
        if (uuidPrefix.length() > 8 || !uuidPrefix.matches("[0-9a-f]+")) {
            throw new IllegalArgumentException("uuid prefix must be 1-8 lowercase hex digits: " + uuidPrefix);
        }
        String first = (uuidPrefix + "00000000").substring(0, 8);
        return new HostId(UUID.fromString(first + "-0000-4000-8000-000000000000"));
    }

    static HaSettings settings(Setup setup) {
        return new HaSettings(Duration.ofNanos(setup.heartbeatFloor()), DRIFT, 2);
    }

    static Run run(Scenario s) {
        Setup setup = s.setup();
        List<HaWorld.HostSetup> hosts = new ArrayList<>();
        int master = 0;
        for (int i = 0; i < setup.hosts().size(); i++) {
            HostLine h = setup.hosts().get(i);
            hosts.add(new HaWorld.HostSetup(
                    h.name(), hostId(h.uuidPrefix()), h.memoryGib() * Sim.GIB, h.witness(), h.rate()));
            if (h.master()) {
                master = i;
            }
        }
        HaSettings settings = settings(setup);
        HaWorld w = new HaWorld(setup.seed(), hosts, settings, master);
        long groups = 0;
        for (VmLine v : setup.vms()) {
            HaRestartPriority priority =
                    v.priority().equals("none") ? HaRestartPriority.NONE : HaRestartPriority.fromXapiName(v.priority());
            w.vm(v.name(), setup.indexOf(v.host()), priority, v.order(), v.memoryGib() * Sim.GIB);
            groups = Math.max(groups, v.order() + 1);
        }
        Duration timeout = Duration.ofNanos(setup.haTimeout());
        w.enableHa(timeout);
        long last = 0;
        for (Event e : s.events()) {
            w.scheduler().at(e.at(), () -> play(w, setup, e));
            last = Math.max(last, e.at());
        }
        long heartbeat = settings.heartbeatInterval(timeout).toNanos();
        long slack = 4 * Sim.RAFT_PERIOD
                + Sim.REFOUND_LATENCY
                + (groups + 2) * (w.agentStart + heartbeat + 3 * Sim.COMMIT_LATENCY);
        long checkAt = last + settings.deadlines(timeout).declareAfter() + slack;
        if (checkAt <= s.runFor()) {
            w.scheduler().at(checkAt, () -> checkRestarted(w));
        }
        w.runUntil(s.runFor());
        List<String> transcript = new ArrayList<>(w.transcript().lines(w::memberName, w::name));
        transcript.addAll(endState(w));
        return new Run(transcript, w.violations(), w.master().isPresent());
    }

    /** Every protected VM runs somewhere, unless no master is left or the pool has no room for it. */
    private static void checkRestarted(HaWorld w) {
        Optional<SimMember> master = w.master();
        if (master.isEmpty() || !w.raft().holdsMajority(master.get())) {
            return;
        }
        PoolState state = master.get().state;
        for (Vm vm : state.vms().values()) {
            if (vm.haRestartPriority() != HaRestartPriority.RESTART
                    || !w.runningOn(vm.uuid()).isEmpty()) {
                continue;
            }
            boolean room =
                    state.hosts().values().stream().anyMatch(h -> usable(w, h) && state.freeMemory(h) >= vm.memory());
            if (room) {
                w.violation("protected " + w.name(vm.uuid()) + " not running within its bound after the last fault");
            }
        }
    }

    private static boolean usable(HaWorld w, Host h) {
        SimMember m = w.member(h.uuid());
        return h.live() && h.enabled() && h.role().runsVms() && m.reachable();
    }

    private static List<String> endState(HaWorld w) {
        List<String> out = new ArrayList<>();
        Optional<SimMember> master = w.master();
        out.add(master.map(m -> "end master " + m + " generation " + m.generation())
                .orElse("end no master"));
        List<String> fenced = new ArrayList<>();
        List<String> down = new ArrayList<>();
        for (SimMember m : w.members()) {
            if (!m.powered()) {
                down.add(m.name);
            } else if (m.fenced()) {
                fenced.add(m.name);
            }
        }
        if (!fenced.isEmpty()) {
            out.add("end fenced " + String.join(" ", fenced));
        }
        if (!down.isEmpty()) {
            out.add("end down " + String.join(" ", down));
        }
        Map<String, String> vms = new TreeMap<>();
        for (SimMember m : w.members()) {
            for (VmId vm : w.hypervisors().running(m.index)) {
                vms.merge(w.name(vm), m.name, (a, b) -> a + "+" + b);
            }
        }
        List<String> running = new ArrayList<>();
        vms.forEach((vm, host) -> running.add(vm + " on " + host));
        out.add("end running " + (running.isEmpty() ? "nothing" : String.join(", ", running)));
        return out;
    }

    private static void play(HaWorld w, Setup setup, Event e) {
        List<String> a = e.args();
        Network net = w.network();
        switch (e.verb()) {
            case "cut", "heal" -> {
                boolean up = e.verb().equals("heal");
                if (a.equals(List.of("all"))) {
                    if (!up) {
                        throw new IllegalArgumentException("'cut all': use partition");
                    }
                    w.healAll();
                } else if (a.size() == 3 && a.get(1).equals("->")) {
                    net.set(setup.indexOf(a.get(0)), setup.indexOf(a.get(2)), up);
                } else {
                    int x = setup.indexOf(a.get(0));
                    int y = setup.indexOf(a.get(1));
                    net.set(x, y, up);
                    net.set(y, x, up);
                }
            }
            case "isolate", "reconnect" -> {
                int x = setup.indexOf(a.get(0));
                for (int y = 0; y < net.size(); y++) {
                    net.set(x, y, e.verb().equals("reconnect"));
                    net.set(y, x, e.verb().equals("reconnect"));
                }
            }
            case "partition" -> {
                List<List<Integer>> groups = new ArrayList<>();
                groups.add(new ArrayList<>());
                for (String word : a) {
                    if (word.equals("|")) {
                        groups.add(new ArrayList<>());
                    } else {
                        groups.get(groups.size() - 1).add(setup.indexOf(word));
                    }
                }
                for (int i = 0; i < groups.size(); i++) {
                    for (int j = i + 1; j < groups.size(); j++) {
                        w.split(groups.get(i), groups.get(j));
                    }
                }
            }
            case "crash" -> w.member(setup.indexOf(a.get(0))).crash();
            case "power-on" -> w.member(setup.indexOf(a.get(0))).powerOn();
            case "member-restart" -> w.member(setup.indexOf(a.get(0))).restartMember(ScenarioFile.nanos(a.get(1)));
            case "pause" -> w.member(setup.indexOf(a.get(0))).pause(ScenarioFile.nanos(a.get(1)));
            case "loss", "delay" -> {
                boolean all = a.get(0).equals("all");
                String value = a.get(all ? 1 : 2);
                for (int x = 0; x < net.size(); x++) {
                    for (int y = 0; y < net.size(); y++) {
                        boolean pair = all
                                || (x == setup.indexOf(a.get(0)) && y == setup.indexOf(a.get(1)))
                                || (y == setup.indexOf(a.get(0)) && x == setup.indexOf(a.get(1)));
                        if (x != y && pair) {
                            if (e.verb().equals("loss")) {
                                net.loss(x, y, Double.parseDouble(value));
                            } else {
                                net.delay(x, y, ScenarioFile.nanos(value));
                            }
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown event: " + e);
        }
    }
}
