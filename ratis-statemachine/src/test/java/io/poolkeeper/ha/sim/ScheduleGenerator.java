package io.poolkeeper.ha.sim;

import io.poolkeeper.ha.sim.Scenario.Event;
import io.poolkeeper.ha.sim.Scenario.HostLine;
import io.poolkeeper.ha.sim.Scenario.Setup;
import io.poolkeeper.ha.sim.Scenario.VmLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeSet;

/**
 * Random fault schedules, one per seed, as {@link Scenario}s (so a failing one prints as a replayable file): a pool
 * of 2-5 hosts (sometimes 2 + a witness) with random UUID order, clock rates within ρ of each other and a few VMs,
 * then 1-4 faults drawn from: a host's cable pulled, the pool cut in halves, a minority cut off, a bridge, a ring,
 * a one-way link, a host crash (power-off, powered on later or not), lost and late messages, a paused daemon; each
 * healed after a while or left until the end, where everything is healed and every host powered on.
 *
 * <p>A member process restart happens only in a quiet time (before the first fault): restarting the daemon of a
 * host that is cut off lets its VMs run past the survivors' deadline, the known limit of running without a
 * watchdog (README), which the simulator would report as a violation.
 *
 * <p>T is 2 s with a 100 ms heartbeat floor so that a schedule runs about 30 virtual seconds.
 */
final class ScheduleGenerator {
    static final long TIMEOUT = 2 * Sim.SECOND;
    static final long FLOOR = 100 * Sim.MS;
    private static final long HEARTBEAT = 200 * Sim.MS;
    private static final double SQRT_RHO = Math.sqrt(1 + ScenarioRunner.DRIFT);

    private final Random r;
    private final List<Event> events = new ArrayList<>();
    private int n;
    private long end;

    private ScheduleGenerator(long seed) {
        this.r = new Random(seed);
    }

    static Scenario generate(long seed) {
        return new ScheduleGenerator(seed).build(seed);
    }

    private Scenario build(long seed) {
        n = 2 + r.nextInt(4);
        boolean witness = n == 3 && r.nextInt(4) == 0;
        TreeSet<Integer> uuids = new TreeSet<>();
        while (uuids.size() < n) {
            uuids.add(0x100 + r.nextInt(0xf00));
        }
        List<Integer> order = new ArrayList<>(uuids);
        Collections.shuffle(order, r);
        int master = r.nextInt(witness ? n - 1 : n);
        List<HostLine> hosts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean w = witness && i == n - 1;
            double rate = Math.round(Math.pow(SQRT_RHO, 2 * r.nextDouble() - 1) * 1e4) / 1e4;
            rate = Math.max(0.9535, Math.min(1.0488, rate));
            hosts.add(new HostLine(
                    name(i), String.format(Locale.ROOT, "%03x", order.get(i)), i == master, w, w ? 2 : 16, rate));
        }
        List<VmLine> vms = new ArrayList<>();
        int vmCount = 1 + r.nextInt(4);
        for (int v = 0; v < vmCount; v++) {
            String priority = r.nextInt(4) == 0 ? "best-effort" : "restart";
            vms.add(new VmLine(
                    "vm" + (v + 1), name(r.nextInt(witness ? n - 1 : n)), priority, r.nextInt(3), 1 + r.nextInt(4)));
        }
        long first = 2 * Sim.SECOND;
        if (r.nextInt(4) == 0) {
            events.add(Event.of(ms(1000 + r.nextInt(500)), "member-restart", name(r.nextInt(n)), dur(HEARTBEAT)));
            first = 3 * Sim.SECOND;
        }
        int faults = 1 + r.nextInt(4);
        List<Event> heals = new ArrayList<>();
        for (int f = 0; f < faults; f++) {
            long at = first + ms(r.nextInt(18_000));
            long until = r.nextInt(10) < 3 ? -1 : at + ms(200 + r.nextInt(7_800));
            fault(at, until, heals);
        }
        end = Math.max(end, first) + 100 * Sim.MS;
        for (Event heal : heals) {
            if (heal.at() < end) {
                events.add(heal);
            }
        }
        events.add(Event.of(end, "heal", "all"));
        for (int i = 0; i < n; i++) {
            events.add(Event.of(end, "power-on", name(i)));
        }
        events.sort((a, b) -> Long.compare(a.at(), b.at()));
        Setup setup = new Setup(seed, TIMEOUT, FLOOR, hosts, vms);
        long bound = ScenarioRunner.settings(setup)
                        .deadlines(Duration.ofNanos(TIMEOUT))
                        .declareAfter()
                + 6 * Sim.SECOND;
        List<String> intent = List.of("Random fault schedule, seed " + seed + " (-Dha.sim.seed=" + seed + ").");
        return new Scenario(intent, setup, events, end + bound, List.of());
    }

    private void fault(long at, long until, List<Event> heals) {
        end = Math.max(end, Math.max(at, until));
        int a = r.nextInt(n);
        int b = (a + 1 + r.nextInt(n - 1)) % n;
        switch (r.nextInt(9)) {
            case 0 -> {
                events.add(Event.of(at, "isolate", name(a)));
                heal(heals, until, "reconnect", name(a));
            }
            case 1 -> cutGroups(at, until, heals, n / 2);
            case 2 -> cutGroups(at, until, heals, 1 + r.nextInt(Math.max(1, (n - 1) / 2)));
            case 3 -> {
                if (n >= 3) {
                    bridge(at, until, heals);
                } else {
                    cutGroups(at, until, heals, 1);
                }
            }
            case 4 -> {
                if (n >= 4) {
                    ring(at, until, heals);
                } else {
                    cutGroups(at, until, heals, 1);
                }
            }
            case 5 -> {
                events.add(Event.of(at, "cut", name(a), "->", name(b)));
                heal(heals, until, "heal", name(a), "->", name(b));
            }
            case 6 -> {
                events.add(Event.of(at, "crash", name(a)));
                heal(heals, until, "power-on", name(a));
            }
            case 7 -> events.add(Event.of(at, "pause", name(a), dur(ms(50 + r.nextInt(150)))));
            default -> {
                if (r.nextBoolean()) {
                    events.add(Event.of(at, "loss", "all", String.format(Locale.ROOT, "%.2f", r.nextInt(31) / 100.0)));
                    heal(heals, until, "loss", "all", "0");
                } else {
                    events.add(Event.of(at, "delay", "all", dur(ms(10 + r.nextInt(190)))));
                    heal(heals, until, "delay", "all", "0ms");
                }
            }
        }
    }

    /** Cuts a random set of {@code size} hosts from the rest, both ways. */
    private void cutGroups(long at, long until, List<Event> heals, int size) {
        List<Integer> hosts = shuffled();
        List<Integer> side = hosts.subList(0, size);
        List<Integer> rest = hosts.subList(size, n);
        cutPairs(at, until, heals, side, rest);
    }

    /** Two groups that cannot see each other, and one host that sees both. */
    private void bridge(long at, long until, List<Event> heals) {
        List<Integer> hosts = shuffled();
        int split = 2 + r.nextInt(n - 2);
        cutPairs(at, until, heals, hosts.subList(1, split), hosts.subList(split, n));
    }

    /** Every host reaches only its two neighbours in a random ring. */
    private void ring(long at, long until, List<Event> heals) {
        List<Integer> hosts = shuffled();
        for (int i = 0; i < n; i++) {
            for (int j = i + 2; j < n; j++) {
                if (!(i == 0 && j == n - 1)) {
                    pair(at, until, heals, hosts.get(i), hosts.get(j));
                }
            }
        }
    }

    private void cutPairs(long at, long until, List<Event> heals, List<Integer> a, List<Integer> b) {
        for (int x : a) {
            for (int y : b) {
                pair(at, until, heals, x, y);
            }
        }
    }

    private void pair(long at, long until, List<Event> heals, int x, int y) {
        events.add(Event.of(at, "cut", name(Math.min(x, y)), name(Math.max(x, y))));
        heal(heals, until, "heal", name(Math.min(x, y)), name(Math.max(x, y)));
    }

    private static void heal(List<Event> heals, long until, String verb, String... args) {
        if (until >= 0) {
            heals.add(Event.of(until, verb, args));
        }
    }

    private List<Integer> shuffled() {
        List<Integer> hosts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hosts.add(i);
        }
        Collections.shuffle(hosts, r);
        return hosts;
    }

    private static String name(int i) {
        return "h" + (i + 1);
    }

    private static long ms(long millis) {
        return millis * Sim.MS;
    }

    private static String dur(long nanos) {
        return ScenarioFile.duration(nanos);
    }
}
