package io.poolkeeper.testing;

import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The shared surroundings of a set of {@link SimulatedHypervisor}s: the hosts of one simulated pool, the shared
 * storage holding suspend images, and the checker for DESIGN §7's invariant "no VM ever runs on two unfenced hosts".
 *
 * <p>Every hypervisor registers with exactly one world when it is built. Suspend images live here rather than on a
 * hypervisor, because in a pool they sit on a shared SR: a VM suspended on one host may be resumed on another. The
 * checker works on two levels: {@link #vmsRunningTwice()} is the situation right now, and {@link #violations()} is
 * every moment, since the world was built, at which a hypervisor started running a VM that another hypervisor was
 * already running. The history matters because a double run may be over before a test gets to look.
 *
 * <p>A world is complete ({@code new HypervisorWorld()}: it holds every host of the pool, so a migration to, or a
 * resume of a VM without an image from, a host outside it fails) or {@link #partial()} (the other hosts are real but out
 * of sight, typically in other processes, so such calls succeed on trust).
 *
 * <p>A fenced or crashed hypervisor runs nothing (fencing and crashing destroy every domain, and both refuse new ones),
 * so such a host never counts towards a double run.
 *
 * <p>Thread-safety: safe from any thread. One lock, owned by the world, guards the world and every hypervisor
 * registered with it, so each hypervisor call is atomic across the whole world and every query here is a consistent
 * snapshot. Results are immutable copies in id order, so they are deterministic.
 */
public final class HypervisorWorld {
    /**
     * One moment a VM came to run on a second unfenced host.
     *
     * @param vm the VM
     * @param hosts every host running it right after the call, in id order
     * @param operation the call that started it on the last of them ({@code start}, {@code resume}, {@code migrateIn})
     * @param token that call's fencing token
     */
    public record Violation(VmId vm, SortedSet<HostId> hosts, String operation, FencingToken token) {
        public Violation {
            Objects.requireNonNull(vm, "vm");
            hosts = Collections.unmodifiableSortedSet(new TreeSet<>(hosts));
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(token, "token");
        }
    }

    /** Guards this world and the mutable state of every hypervisor registered with it. */
    final Object lock = new Object();

    private final SortedMap<HostId, SimulatedHypervisor> hypervisors = new TreeMap<>();
    private final SortedSet<VmId> suspendImages = new TreeSet<>();
    private final List<Violation> violations = new ArrayList<>();
    private final boolean complete;

    /** A complete world: every host of the pool registers with it. */
    public HypervisorWorld() {
        this(true);
    }

    private HypervisorWorld(boolean complete) {
        this.complete = complete;
    }

    /**
     * A world that holds only some hosts of the pool, the others being real but out of sight (another process, say):
     * a migration to a host outside it hands the VM over (it leaves this world), and a resume with no image here
     * trusts that a host outside wrote one. Double runs are only detected among the hosts inside.
     */
    public static HypervisorWorld partial() {
        return new HypervisorWorld(false);
    }

    /** Whether every host of the pool is in this world (see {@link #partial()}). */
    public boolean isComplete() {
        return complete;
    }

    /** The hypervisor of {@code host}, if one registered. */
    public Optional<SimulatedHypervisor> hypervisor(HostId host) {
        Objects.requireNonNull(host, "host");
        synchronized (lock) {
            return Optional.ofNullable(hypervisors.get(host));
        }
    }

    /** Every registered hypervisor, in host id order. */
    public List<SimulatedHypervisor> hypervisors() {
        synchronized (lock) {
            return List.copyOf(hypervisors.values());
        }
    }

    /**
     * The VMs running (or paused) on two or more hypervisors right now, each with those hosts; empty when the
     * invariant holds. Sorted by VM id, hosts by host id.
     */
    public SortedMap<VmId, SortedSet<HostId>> vmsRunningTwice() {
        synchronized (lock) {
            SortedMap<VmId, SortedSet<HostId>> hostsByVm = new TreeMap<>();
            for (SimulatedHypervisor hypervisor : hypervisors.values()) {
                for (VmId vm : hypervisor.domainIdsLocked()) {
                    hostsByVm.computeIfAbsent(vm, id -> new TreeSet<>()).add(hypervisor.hostId());
                }
            }
            SortedMap<VmId, SortedSet<HostId>> twice = new TreeMap<>();
            hostsByVm.forEach((vm, hosts) -> {
                if (hosts.size() > 1) {
                    twice.put(vm, Collections.unmodifiableSortedSet(hosts));
                }
            });
            return Collections.unmodifiableSortedMap(twice);
        }
    }

    /** Every double run this world has seen, in the order they happened; empty when the invariant always held. */
    public List<Violation> violations() {
        synchronized (lock) {
            return List.copyOf(violations);
        }
    }

    /**
     * Fails with an {@link AssertionError} listing them if any VM ever ran on two unfenced hosts; for tests, which
     * usually call it once at the end.
     */
    public void assertNoVmEverRanTwice() {
        List<Violation> seen = violations();
        if (!seen.isEmpty()) {
            throw new AssertionError("VMs ran on two unfenced hosts: " + seen);
        }
    }

    /** The VMs with a suspend image on shared storage, in id order. */
    public SortedSet<VmId> suspendImages() {
        synchronized (lock) {
            return Collections.unmodifiableSortedSet(new TreeSet<>(suspendImages));
        }
    }

    /**
     * Puts a suspend image for {@code vm} on shared storage, as if it had been suspended before the test began, so
     * that a {@link SimulatedHypervisor#resume} of it can succeed.
     */
    public void addSuspendImage(VmId vm) {
        Objects.requireNonNull(vm, "vm");
        synchronized (lock) {
            suspendImages.add(vm);
        }
    }

    void register(SimulatedHypervisor hypervisor) {
        synchronized (lock) {
            if (hypervisors.containsKey(hypervisor.hostId())) {
                throw new IllegalArgumentException("host " + hypervisor.hostId() + " already has a hypervisor");
            }
            hypervisors.put(hypervisor.hostId(), hypervisor);
        }
    }

    // The methods below run with the lock held by a hypervisor call.

    void storeImageLocked(VmId vm) {
        suspendImages.add(vm);
    }

    boolean hasImageLocked(VmId vm) {
        return suspendImages.contains(vm);
    }

    void discardImageLocked(VmId vm) {
        suspendImages.remove(vm);
    }

    /** Records a violation if {@code vm}, just placed on a hypervisor by {@code operation}, now runs elsewhere too. */
    void placedLocked(VmId vm, String operation, FencingToken token) {
        Set<HostId> hosts = new TreeSet<>();
        for (SimulatedHypervisor hypervisor : hypervisors.values()) {
            if (hypervisor.domainIdsLocked().contains(vm)) {
                hosts.add(hypervisor.hostId());
            }
        }
        if (hosts.size() > 1) {
            violations.add(new Violation(vm, new TreeSet<>(hosts), operation, token));
        }
    }
}
