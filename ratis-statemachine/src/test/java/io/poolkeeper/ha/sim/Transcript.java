package io.poolkeeper.ha.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The simulator's event log: what members asked of their environment and what the world did for them, with virtual
 * times. {@link #lines} renders the part a scenario file's expected transcript holds (requests that repeat while they
 * fail, such as re-admission attempts, are left out).
 */
final class Transcript {

    /** What a member asked of its environment, or what the world did for it. */
    enum Kind {
        SELF_FENCE("self-fence", true),
        MASTER("master", true),
        DECLARE("declare", false),
        DECLARED("declared", true),
        REMOVE_VOTER("remove-voter", false),
        RESTART("restart", true),
        /** A restart tried again after a failed one (not shown: it repeats every heartbeat while there is no room). */
        RESTART_RETRY("restart", false),
        RESTART_FAILED("restart-failed", true),
        RUNNING("running", true),
        REFOUND("refound", false),
        REFOUNDED("refounded", true),
        READMIT("readmit", false),
        READMITTED("readmitted", true),
        VIOLATION("violation", true);

        final String word;
        final boolean shown;

        Kind(String word, boolean shown) {
            this.word = word;
            this.shown = shown;
        }
    }

    /** One entry: when (virtual time), by which member, about what (a host, a VM or a set of hosts). */
    record Call(long at, int member, Kind kind, Object subject) {
        @Override
        public String toString() {
            return Sim.seconds(at) + " h" + member + " " + kind.word + " " + subject;
        }
    }

    private final List<Call> calls = new ArrayList<>();

    void add(Call call) {
        calls.add(call);
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    List<Call> calls(Kind kind) {
        return calls.stream().filter(c -> c.kind() == kind).toList();
    }

    List<Call> calls(Kind kind, Object subject) {
        return calls.stream()
                .filter(c -> c.kind() == kind && c.subject().equals(subject))
                .toList();
    }

    /** The shown entries, one a line: {@code 12.345s h1 declared h3}, names given by {@code name}. */
    List<String> lines(Function<Integer, String> member, Function<Object, String> name) {
        List<String> out = new ArrayList<>();
        for (Call c : calls) {
            if (c.kind().shown) {
                out.add(Sim.seconds(c.at()) + " " + member.apply(c.member()) + " " + c.kind().word + " "
                        + name.apply(c.subject()));
            }
        }
        return out;
    }
}
