package io.poolkeeper.ha.sim;

import io.poolkeeper.api.model.VmId;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Ground truth: which VMs actually run on which host's hypervisor, whatever any member's copy of the pool says.
 * A self-fencing host's agent hard-stops every VM; a powered-off host runs nothing; a member process that dies or
 * restarts does not stop its host's VMs (there is no watchdog, see the README).
 */
final class Hypervisors {
    private final List<SortedSet<VmId>> running = new ArrayList<>();

    Hypervisors(int hosts) {
        for (int i = 0; i < hosts; i++) {
            running.add(new TreeSet<>());
        }
    }

    void start(int host, VmId vm) {
        running.get(host).add(vm);
    }

    void stopAll(int host) {
        running.get(host).clear();
    }

    SortedSet<VmId> running(int host) {
        return running.get(host);
    }

    /** The hosts that run {@code vm} now. */
    List<Integer> runningOn(VmId vm) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < running.size(); i++) {
            if (running.get(i).contains(vm)) {
                out.add(i);
            }
        }
        return out;
    }
}
