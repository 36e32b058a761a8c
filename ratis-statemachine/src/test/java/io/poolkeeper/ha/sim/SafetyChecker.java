package io.poolkeeper.ha.sim;

import io.poolkeeper.api.model.VmId;
import io.poolkeeper.ha.sim.Transcript.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The safety invariants of DESIGN §9.5, checked after every event of a run, and where an effect happens:
 *
 * <ul>
 *   <li>no VM runs on two hosts (hypervisor ground truth; a fencing host's agent stops its VMs at once);
 *   <li>at most one master accepts writes per generation: once a term has committed in a generation, no other
 *       member commits in that term and no older term commits again;
 *   <li>no restart before the victim's fence deadline: a host is declared dead, or left outside a re-founding, only
 *       when it has fenced itself or is powered off, and runs no VM;
 *   <li>no acknowledged write is lost: every member that becomes master holds every write acknowledged before.
 * </ul>
 *
 * A violation is recorded (not thrown: the monitor swallows its environment's exceptions) with its virtual time.
 */
final class SafetyChecker {
    private final HaWorld world;
    private final List<String> violations = new ArrayList<>();
    private final Set<String> reported = new HashSet<>();
    private final Set<Long> acknowledged = new TreeSet<>();
    private final Map<Long, Long> highestTerm = new HashMap<>();
    private final Map<Long, Map<Long, Integer>> termOwner = new HashMap<>();

    SafetyChecker(HaWorld world) {
        this.world = world;
    }

    List<String> violations() {
        return List.copyOf(violations);
    }

    void violation(String what) {
        if (reported.add(what)) {
            violations.add(Sim.seconds(world.now()) + ": " + what);
            world.transcript().add(new Transcript.Call(world.now(), -1, Kind.VIOLATION, what));
        }
    }

    /** After every event: no VM runs on two hosts. */
    void afterEvent() {
        Map<VmId, Integer> seen = new TreeMap<>();
        for (SimMember m : world.members()) {
            for (VmId vm : world.hypervisors().running(m.index)) {
                Integer other = seen.put(vm, m.index);
                if (other != null) {
                    violation(world.name(vm) + " runs on both " + world.member(other) + " and " + m);
                }
            }
        }
    }

    void acknowledged(long write) {
        acknowledged.add(write);
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    /** {@code m} just became master: it must hold every acknowledged write. */
    void newMaster(SimMember m) {
        if (acknowledged.isEmpty()) {
            return;
        }
        Set<Long> held = m.ledger.writes();
        for (long write : acknowledged) {
            if (!held.contains(write)) {
                violation("acknowledged write " + write + " lost: new master " + m + " does not hold it");
                return;
            }
        }
    }

    /** {@code master} just committed an entry in its generation and term. */
    void committed(SimMember master) {
        long generation = master.generation();
        long highest = highestTerm.getOrDefault(generation, Long.MIN_VALUE);
        if (master.logTerm < highest) {
            violation(master + " committed in generation " + generation + " term " + master.logTerm + " after term "
                    + highest + " did");
        }
        highestTerm.put(generation, Math.max(highest, master.logTerm));
        Integer owner =
                termOwner.computeIfAbsent(generation, g -> new HashMap<>()).putIfAbsent(master.logTerm, master.index);
        if (owner != null && owner != master.index) {
            violation("two masters in generation " + generation + " term " + master.logTerm + ": " + world.member(owner)
                    + " and " + master);
        }
    }

    /** {@code by} declares {@code victim} dead, or leaves it outside a re-founding: it must have fenced, or be off. */
    void mayDeclare(SimMember by, SimMember victim, String what) {
        boolean safe = !victim.powered() || victim.fenced();
        if (!safe || !world.hypervisors().running(victim.index).isEmpty()) {
            violation(by + " " + what + " " + victim + " while it runs"
                    + (world.hypervisors().running(victim.index).isEmpty() ? "" : " VMs"));
        }
    }
}
