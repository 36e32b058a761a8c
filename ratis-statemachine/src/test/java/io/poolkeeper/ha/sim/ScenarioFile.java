package io.poolkeeper.ha.sim;

import io.poolkeeper.ha.sim.Scenario.Event;
import io.poolkeeper.ha.sim.Scenario.HostLine;
import io.poolkeeper.ha.sim.Scenario.Setup;
import io.poolkeeper.ha.sim.Scenario.VmLine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The text form of a {@link Scenario} (Proxmox ha-tester / etcd raft {@code testdata} style):
 *
 * <pre>
 * # Two hosts, the master's cable pulled: the higher UUID is fenced anyway.
 * seed 1
 * ha-timeout 30s
 * heartbeat-floor 1s
 * host h1 uuid 446 master
 * host h2 uuid 586 memory 16 rate 1.02
 * host w uuid 900 witness
 * vm web on h2 priority restart order 1 memory 2
 * at 10s isolate h1
 * at 60s heal all
 * run 120s
 * expect
 *   41.123s h2 self-fence h2
 *   ...
 * </pre>
 *
 * Memory is in GiB. Lines starting with {@code #} before the setup are the intent; elsewhere they are comments.
 * Everything after {@code expect} is the expected transcript, two spaces in.
 */
final class ScenarioFile {
    private ScenarioFile() {}

    static Scenario parse(String text) {
        List<String> intent = new ArrayList<>();
        long seed = 1;
        long timeout = 30 * Sim.SECOND;
        long floor = Sim.SECOND;
        long runFor = -1;
        List<HostLine> hosts = new ArrayList<>();
        List<VmLine> vms = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        boolean inExpect = false;
        boolean started = false;
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (inExpect) {
                if (!line.isEmpty()) {
                    expected.add(line);
                }
                continue;
            }
            if (line.startsWith("#")) {
                if (!started) {
                    intent.add(line.substring(1).strip());
                }
                continue;
            }
            if (line.isEmpty()) {
                continue;
            }
            started = true;
            List<String> w = Arrays.asList(line.split("\\s+"));
            try {
                switch (w.get(0)) {
                    case "seed" -> seed = Long.parseLong(w.get(1));
                    case "ha-timeout" -> timeout = nanos(w.get(1));
                    case "heartbeat-floor" -> floor = nanos(w.get(1));
                    case "host" -> hosts.add(host(w));
                    case "vm" -> vms.add(vm(w));
                    case "at" -> events.add(new Event(nanos(w.get(1)), w.get(2), w.subList(3, w.size())));
                    case "run" -> runFor = nanos(w.get(1));
                    case "expect" -> inExpect = true;
                    default -> throw new IllegalArgumentException("unknown line");
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("bad scenario line '" + line + "': " + e.getMessage(), e);
            }
        }
        if (runFor < 0) {
            throw new IllegalArgumentException("scenario has no 'run' line");
        }
        List<Event> sorted = new ArrayList<>(events);
        sorted.sort((a, b) -> Long.compare(a.at(), b.at()));
        return new Scenario(intent, new Setup(seed, timeout, floor, hosts, vms), sorted, runFor, expected);
    }

    private static HostLine host(List<String> w) {
        String name = w.get(1);
        String uuid = null;
        boolean master = false;
        boolean witness = false;
        long memory = 16;
        double rate = 1;
        for (int i = 2; i < w.size(); i++) {
            switch (w.get(i)) {
                case "uuid" -> uuid = w.get(++i);
                case "master" -> master = true;
                case "witness" -> witness = true;
                case "memory" -> memory = Long.parseLong(w.get(++i));
                case "rate" -> rate = Double.parseDouble(w.get(++i));
                default -> throw new IllegalArgumentException("unknown host attribute " + w.get(i));
            }
        }
        if (uuid == null) {
            throw new IllegalArgumentException("host needs a uuid prefix");
        }
        return new HostLine(name, uuid, master, witness, memory, rate);
    }

    private static VmLine vm(List<String> w) {
        String name = w.get(1);
        String host = null;
        String priority = "restart";
        long order = 0;
        long memory = 1;
        for (int i = 2; i < w.size(); i++) {
            switch (w.get(i)) {
                case "on" -> host = w.get(++i);
                case "priority" -> priority = w.get(++i);
                case "order" -> order = Long.parseLong(w.get(++i));
                case "memory" -> memory = Long.parseLong(w.get(++i));
                default -> throw new IllegalArgumentException("unknown vm attribute " + w.get(i));
            }
        }
        if (host == null) {
            throw new IllegalArgumentException("vm needs 'on <host>'");
        }
        return new VmLine(name, host, priority, order, memory);
    }

    /** Parses {@code 1500ms}, {@code 10s}, {@code 1.5s}, {@code 2m}. */
    static long nanos(String text) {
        if (text.endsWith("ms")) {
            return Math.round(Double.parseDouble(text.substring(0, text.length() - 2)) * Sim.MS);
        } else if (text.endsWith("s")) {
            return Math.round(Double.parseDouble(text.substring(0, text.length() - 1)) * Sim.SECOND);
        } else if (text.endsWith("m")) {
            return Math.round(Double.parseDouble(text.substring(0, text.length() - 1)) * 60 * Sim.SECOND);
        }
        throw new IllegalArgumentException("not a duration: " + text);
    }

    /** A duration in the shortest exact form: {@code 10s}, {@code 1.5s}, {@code 250ms}. */
    static String duration(long nanos) {
        if (nanos % Sim.SECOND == 0) {
            return nanos / Sim.SECOND + "s";
        }
        if (nanos % Sim.MS == 0) {
            return nanos / Sim.MS + "ms";
        }
        return String.format(Locale.ROOT, "%.6fms", nanos / 1e6);
    }

    /** The whole file: intent, setup, script, run, and the expected transcript. */
    static String format(Scenario s) {
        StringBuilder out = new StringBuilder();
        s.intent().forEach(line -> out.append("# ").append(line).append('\n'));
        Setup setup = s.setup();
        out.append("seed ").append(setup.seed()).append('\n');
        out.append("ha-timeout ").append(duration(setup.haTimeout())).append('\n');
        out.append("heartbeat-floor ").append(duration(setup.heartbeatFloor())).append('\n');
        for (HostLine h : setup.hosts()) {
            out.append("host ").append(h.name()).append(" uuid ").append(h.uuidPrefix());
            if (h.master()) {
                out.append(" master");
            }
            if (h.witness()) {
                out.append(" witness");
            }
            if (h.memoryGib() != 16) {
                out.append(" memory ").append(h.memoryGib());
            }
            if (h.rate() != 1) {
                out.append(" rate ").append(String.format(Locale.ROOT, "%.4f", h.rate()));
            }
            out.append('\n');
        }
        for (VmLine v : setup.vms()) {
            out.append("vm ")
                    .append(v.name())
                    .append(" on ")
                    .append(v.host())
                    .append(" priority ")
                    .append(v.priority())
                    .append(" order ")
                    .append(v.order())
                    .append(" memory ")
                    .append(v.memoryGib())
                    .append('\n');
        }
        s.events().forEach(e -> out.append(e).append('\n'));
        out.append("run ").append(duration(s.runFor())).append('\n');
        out.append(expectSection(s.expected()));
        return out.toString();
    }

    /** The {@code expect} line and the transcript under it. */
    static String expectSection(List<String> transcript) {
        StringBuilder out = new StringBuilder("expect\n");
        transcript.forEach(line -> out.append("  ").append(line).append('\n'));
        return out.toString();
    }

    /** {@code text} with everything from its {@code expect} line replaced by {@code transcript}. */
    static String rewriteExpected(String text, List<String> transcript) {
        int at = text.startsWith("expect") ? 0 : text.indexOf("\nexpect");
        String head = at < 0 ? text.stripTrailing() + "\n" : text.substring(0, at == 0 ? 0 : at + 1);
        return head + expectSection(transcript);
    }
}
