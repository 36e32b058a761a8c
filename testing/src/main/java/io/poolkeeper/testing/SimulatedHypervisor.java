package io.poolkeeper.testing;

import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.HostAgentException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * An in-memory hypervisor for one host: the {@link HostAgent} of the cluster tests, the demo and embedders' own tests.
 *
 * <p>It keeps the domains it runs, each Running or Paused with the {@link Vm} record it was started with, and refuses
 * with a {@link HostAgentException} what a real hypervisor would refuse, following xapi's power-state table:
 *
 * <ul>
 *   <li>start, resume or migrateIn of a VM that already runs here, or that does not fit in the memory left
 *       ({@code Σ memory of domains + vm.memory() > capacity}); resume of a VM with no suspend image;
 *   <li>stop, reboot, pause, unpause, suspend or migrateOut of a VM that does not run here;
 *   <li>a clean stop or clean reboot, a pause, a suspend or a migrateOut of a paused VM; an unpause of a running one.
 * </ul>
 *
 * <p>Like a real hypervisor it knows nothing of other hosts: starting a VM that runs elsewhere succeeds, the very
 * mistake {@link HypervisorWorld#violations()} is there to catch.
 *
 * <p>Every call except {@link #fence} and {@link #listRunning} is checked in this order, and the first check that
 * fails decides the exception: the host is powered on ({@link #crash()}); it is not fenced; the fencing token is
 * current (else {@link HostAgentException#staleToken()} is true); no injected failure matches
 * ({@link #failNext(String)}); then the operation's own checks. A token is current, as {@link HostAgent} asks, unless
 * it is older than the newest seen for the same VM, of an older generation than the newest seen on this host, or
 * older than the last {@link #fence} token; calls for different VMs of one generation are not compared, since they
 * arrive in any order. A token that passes its check becomes the newest seen for its VM even if the call then fails,
 * as a real agent would have seen it. Tokens survive {@link #crash()} and {@link #boot()}, as they would on disk. An
 * equal token is accepted: it is a retry of the same call.
 *
 * <p>{@link #fence} never fails: whatever the token (a stale one included) and even when the host is powered off, it
 * destroys every domain and marks the host fenced, after which every call fails until {@link #unfence()}.
 *
 * <p>Suspend images live in the {@link HypervisorWorld} (shared storage): {@code suspend} stores one, {@code resume}
 * on any host of the world consumes it, and {@code start} discards a stale one (a fresh boot supersedes it).
 * {@link #migrateOut} carries out the whole migration: it hands the domain to the target's hypervisor in the same
 * world (with the same token, so the target applies its own checks, counted as a {@code migrateIn}) and drops the
 * domain here only once that succeeded. A caller therefore drives a migration with {@code migrateOut} alone; the
 * {@link #migrateIn} the runtime calls afterwards finds the VM already here and accepts it, and one for a VM not here
 * simulates a VM arriving from outside the world. In a {@link HypervisorWorld#partial() partial} world, a migration to
 * a host outside it just drops the domain here, and a resume needs no image.
 *
 * <p>Thread-safety: every method is safe from any thread and never sleeps. All hypervisors of a world share that
 * world's lock, so each call is atomic across the world (a migration is never seen half done) and deadlock-free.
 */
public final class SimulatedHypervisor implements HostAgent {
    /** The operation names accepted by {@link #callCount} and, except the last two, by {@link #failNext(String)}. */
    public static final List<String> OPERATIONS = List.of(
            "start",
            "stop",
            "reboot",
            "pause",
            "unpause",
            "suspend",
            "resume",
            "migrateOut",
            "migrateIn",
            "listRunning",
            "fence");

    private static final Set<String> FAILABLE = Set.copyOf(OPERATIONS.subList(0, OPERATIONS.size() - 2));

    /**
     * A domain on this hypervisor.
     *
     * @param vm the record the VM was started (or resumed, or received) with
     * @param state {@link PowerState#RUNNING} or {@link PowerState#PAUSED}
     */
    public record Domain(Vm vm, PowerState state) {
        public Domain {
            Objects.requireNonNull(vm, "vm");
            if (!Objects.requireNonNull(state, "state").isLive()) {
                throw new IllegalArgumentException("a domain is running or paused, not " + state);
            }
        }
    }

    /**
     * A call offered to the failure-injection predicates of {@link #failNext(Predicate)}.
     *
     * @param operation the method name, one of {@link #OPERATIONS}
     * @param vm the VM it concerns
     * @param token its fencing token
     */
    public record Call(String operation, VmId vm, FencingToken token) {}

    private final HostId hostId;
    private final long memoryCapacity;
    private final HypervisorWorld world;

    // Guarded by world.lock.
    private final SortedMap<VmId, Domain> domains = new TreeMap<>();
    private final Map<String, Long> calls = new TreeMap<>();
    private final List<Predicate<Call>> pendingFailures = new ArrayList<>();
    private FencingToken highestToken;
    private final Map<VmId, FencingToken> vmTokens = new TreeMap<>();
    /** The newest generation seen here, and the last fence's token: older tokens are stale for every VM. */
    private FencingToken floor;

    private boolean fenced;
    private boolean poweredOn = true;

    /**
     * A powered-on, unfenced hypervisor with no domains, alone in a {@link HypervisorWorld#partial() partial} world of
     * its own: the pool's other hosts are out of its sight, so migrations to them and resumes of VMs they suspended
     * succeed on trust.
     */
    public SimulatedHypervisor(HostId hostId, long memoryCapacity) {
        this(hostId, memoryCapacity, HypervisorWorld.partial());
    }

    /**
     * A powered-on, unfenced hypervisor with no domains, registered with {@code world}.
     *
     * @throws IllegalArgumentException if the world already has a hypervisor for {@code hostId}, or the capacity is
     *     negative
     */
    public SimulatedHypervisor(HostId hostId, long memoryCapacity, HypervisorWorld world) {
        this.hostId = Objects.requireNonNull(hostId, "hostId");
        if (memoryCapacity < 0) {
            throw new IllegalArgumentException("memoryCapacity must not be negative: " + memoryCapacity);
        }
        this.memoryCapacity = memoryCapacity;
        this.world = Objects.requireNonNull(world, "world");
        // Last statement: the world may hand this object to other threads as soon as it is registered.
        world.register(this);
    }

    @Override
    public void start(Vm vm, boolean paused, FencingToken token) throws HostAgentException {
        Objects.requireNonNull(vm, "vm");
        synchronized (world.lock) {
            admit("start", vm.uuid(), token);
            requireRoomFor("start", vm);
            world.discardImageLocked(vm.uuid());
            place("start", vm, paused ? PowerState.PAUSED : PowerState.RUNNING, token);
        }
    }

    @Override
    public void stop(VmId vm, boolean hard, FencingToken token) throws HostAgentException {
        synchronized (world.lock) {
            admit("stop", vm, token);
            Domain domain = domainOf("stop", vm);
            if (!hard) {
                requireState("clean shutdown", domain, PowerState.RUNNING);
            }
            domains.remove(vm);
        }
    }

    @Override
    public void reboot(VmId vm, boolean hard, FencingToken token) throws HostAgentException {
        synchronized (world.lock) {
            admit("reboot", vm, token);
            Domain domain = domainOf("reboot", vm);
            if (!hard) {
                requireState("clean reboot", domain, PowerState.RUNNING);
            }
            domains.put(vm, new Domain(domain.vm(), PowerState.RUNNING));
        }
    }

    @Override
    public void pause(VmId vm, FencingToken token) throws HostAgentException {
        synchronized (world.lock) {
            admit("pause", vm, token);
            Domain domain = requireState("pause", domainOf("pause", vm), PowerState.RUNNING);
            domains.put(vm, new Domain(domain.vm(), PowerState.PAUSED));
        }
    }

    @Override
    public void unpause(VmId vm, FencingToken token) throws HostAgentException {
        synchronized (world.lock) {
            admit("unpause", vm, token);
            Domain domain = requireState("unpause", domainOf("unpause", vm), PowerState.PAUSED);
            domains.put(vm, new Domain(domain.vm(), PowerState.RUNNING));
        }
    }

    @Override
    public void suspend(VmId vm, FencingToken token) throws HostAgentException {
        synchronized (world.lock) {
            admit("suspend", vm, token);
            requireState("suspend", domainOf("suspend", vm), PowerState.RUNNING);
            domains.remove(vm);
            world.storeImageLocked(vm);
        }
    }

    @Override
    public void resume(Vm vm, FencingToken token) throws HostAgentException {
        Objects.requireNonNull(vm, "vm");
        synchronized (world.lock) {
            admit("resume", vm.uuid(), token);
            if (world.isComplete() && !world.hasImageLocked(vm.uuid())) {
                throw new HostAgentException(
                        "resume on host " + hostId + ": VM " + vm.uuid() + " has no suspend image");
            }
            requireRoomFor("resume", vm);
            world.discardImageLocked(vm.uuid());
            place("resume", vm, PowerState.RUNNING, token);
        }
    }

    @Override
    public void migrateOut(VmId vm, HostId target, FencingToken token) throws HostAgentException {
        Objects.requireNonNull(target, "target");
        synchronized (world.lock) {
            admit("migrateOut", vm, token);
            Domain domain = requireState("migrateOut", domainOf("migrateOut", vm), PowerState.RUNNING);
            if (target.equals(hostId)) {
                throw new HostAgentException("migrateOut of VM " + vm + ": target is this host " + hostId);
            }
            Optional<SimulatedHypervisor> found = world.hypervisor(target);
            if (found.isEmpty()) {
                if (world.isComplete()) {
                    throw new HostAgentException(
                            "migrateOut of VM " + vm + ": no route to host " + target + " (not in this world)");
                }
                domains.remove(vm); // handed over to a host out of sight
                return;
            }
            SimulatedHypervisor destination = found.get();
            // Leave first so the VM never runs on both hosts, even within this atomic step; come back on failure.
            domains.remove(vm);
            try {
                destination.receive(domain.vm(), token);
            } catch (HostAgentException e) {
                domains.put(vm, domain);
                throw new HostAgentException(
                        "migrateOut of VM " + vm + " to host " + target + " failed: " + e.getMessage(), e.staleToken());
            }
        }
    }

    /** Accepts a VM already here (it arrived by a {@link #migrateOut} in this world); places one from outside. */
    @Override
    public void migrateIn(Vm vm, FencingToken token) throws HostAgentException {
        Objects.requireNonNull(vm, "vm");
        synchronized (world.lock) {
            if (domains.containsKey(vm.uuid())) {
                admit("migrateIn", vm.uuid(), token);
                return;
            }
            receive(vm, token);
        }
    }

    /** The target's half of a migration: the domain arrives here, running. */
    private void receive(Vm vm, FencingToken token) throws HostAgentException {
        synchronized (world.lock) {
            admit("migrateIn", vm.uuid(), token);
            requireRoomFor("migrateIn", vm);
            place("migrateIn", vm, PowerState.RUNNING, token);
        }
    }

    /** The VMs running or paused here, in id order; empty while crashed or fenced. Never fails. */
    @Override
    public Set<VmId> listRunning() {
        synchronized (world.lock) {
            count("listRunning");
            return domainIdsLocked();
        }
    }

    /** Destroys every domain and marks the host fenced; never fails (see the class comment). */
    @Override
    public void fence(FencingToken token) {
        Objects.requireNonNull(token, "token");
        synchronized (world.lock) {
            count("fence");
            if (highestToken == null || token.compareTo(highestToken) > 0) {
                highestToken = token;
            }
            if (floor == null || token.compareTo(floor) > 0) {
                floor = token;
            }
            domains.clear();
            fenced = true;
        }
    }

    /** Lifts the fence: calls are served again. Domains destroyed by the fence stay gone. */
    /** Re-admitted after a fence: as {@link #unfence()} (a real host has rebooted by then). */
    @Override
    public void readmitted(FencingToken token) {
        unfence();
    }

    public void unfence() {
        synchronized (world.lock) {
            fenced = false;
        }
    }

    /** Simulates the host dying: every domain is gone and every call but fence and listRunning fails. */
    public void crash() {
        synchronized (world.lock) {
            domains.clear();
            poweredOn = false;
        }
    }

    /** Powers the host back on with no domains; the newest token and a fence are kept. No-op if already on. */
    public void boot() {
        synchronized (world.lock) {
            poweredOn = true;
        }
    }

    /**
     * Makes the next call of {@code operation} (a method name from {@link #OPERATIONS}, but not {@code listRunning}
     * or {@code fence}, which cannot fail) throw a {@link HostAgentException} and change nothing. Injected failures
     * queue up: each call consumes the first pending one it matches.
     */
    public void failNext(String operation) {
        Objects.requireNonNull(operation, "operation");
        if (!FAILABLE.contains(operation)) {
            throw new IllegalArgumentException("not an operation that can fail: " + operation);
        }
        failNext(call -> call.operation().equals(operation));
    }

    /** Like {@link #failNext(String)}, for the next call that {@code matcher} accepts. */
    public void failNext(Predicate<Call> matcher) {
        Objects.requireNonNull(matcher, "matcher");
        synchronized (world.lock) {
            pendingFailures.add(matcher);
        }
    }

    /** Drops every injected failure not yet consumed. */
    public void clearFailures() {
        synchronized (world.lock) {
            pendingFailures.clear();
        }
    }

    public HostId hostId() {
        return hostId;
    }

    public long memoryCapacity() {
        return memoryCapacity;
    }

    public HypervisorWorld world() {
        return world;
    }

    /** The memory held by the domains here. */
    public long usedMemory() {
        synchronized (world.lock) {
            return domains.values().stream().mapToLong(d -> d.vm().memory()).sum();
        }
    }

    /** The domains here, by VM id. Unlike {@link #listRunning()}, not counted as a call. */
    public SortedMap<VmId, Domain> runningVms() {
        synchronized (world.lock) {
            return Collections.unmodifiableSortedMap(new TreeMap<>(domains));
        }
    }

    /** {@link PowerState#RUNNING} or {@link PowerState#PAUSED} if {@code vm} has a domain here, else empty. */
    public Optional<PowerState> stateOf(VmId vm) {
        synchronized (world.lock) {
            return Optional.ofNullable(domains.get(vm)).map(Domain::state);
        }
    }

    /** How many times {@code operation} (one of {@link #OPERATIONS}) was called, refused calls included. */
    public long callCount(String operation) {
        if (!OPERATIONS.contains(operation)) {
            throw new IllegalArgumentException("unknown operation: " + operation);
        }
        synchronized (world.lock) {
            return calls.getOrDefault(operation, 0L);
        }
    }

    public boolean isFenced() {
        synchronized (world.lock) {
            return fenced;
        }
    }

    public boolean isPoweredOn() {
        synchronized (world.lock) {
            return poweredOn;
        }
    }

    /** The newest fencing token seen for {@code vm}, if any. */
    public Optional<FencingToken> tokenOf(VmId vm) {
        synchronized (world.lock) {
            return Optional.ofNullable(vmTokens.get(vm));
        }
    }

    /** The highest (newest) fencing token seen for any VM or fence, if any. */
    public Optional<FencingToken> highestToken() {
        synchronized (world.lock) {
            return Optional.ofNullable(highestToken);
        }
    }

    @Override
    public String toString() {
        synchronized (world.lock) {
            return "SimulatedHypervisor[host=" + hostId + ", poweredOn=" + poweredOn + ", fenced=" + fenced
                    + ", highestToken=" + highestToken + ", domains=" + domains.keySet() + "]";
        }
    }

    /** The ids of the domains here; the caller holds the world's lock. */
    SortedSet<VmId> domainIdsLocked() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(domains.keySet()));
    }

    /** The checks every failable call passes before its own (see the class comment). */
    private void admit(String operation, VmId vm, FencingToken token) throws HostAgentException {
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(token, "token");
        count(operation);
        if (!poweredOn) {
            throw new HostAgentException(operation + " on host " + hostId + ": the host is powered off");
        }
        if (fenced) {
            throw new HostAgentException(operation + " on host " + hostId + ": the host is fenced");
        }
        FencingToken newest = vmTokens.get(vm);
        FencingToken bound = floor == null || (newest != null && newest.compareTo(floor) > 0) ? newest : floor;
        if (bound != null && token.compareTo(bound) < 0) {
            throw new HostAgentException(
                    operation + " of VM " + vm + " on host " + hostId + ": fencing token " + token + " is older than "
                            + bound,
                    true);
        }
        vmTokens.put(vm, token);
        if (floor == null || token.generation() > floor.generation()) {
            floor = new FencingToken(token.generation(), 0);
        }
        if (highestToken == null || token.compareTo(highestToken) > 0) {
            highestToken = token;
        }
        Call call = new Call(operation, vm, token);
        for (Iterator<Predicate<Call>> it = pendingFailures.iterator(); it.hasNext(); ) {
            if (it.next().test(call)) {
                it.remove();
                throw new HostAgentException(operation + " of VM " + vm + " on host " + hostId + ": injected failure");
            }
        }
    }

    private void count(String operation) {
        calls.merge(operation, 1L, Long::sum);
    }

    private Domain domainOf(String operation, VmId vm) throws HostAgentException {
        Domain domain = domains.get(vm);
        if (domain == null) {
            throw new HostAgentException(operation + ": VM " + vm + " is not running on host " + hostId);
        }
        return domain;
    }

    private Domain requireState(String operation, Domain domain, PowerState expected) throws HostAgentException {
        if (domain.state() != expected) {
            throw new HostAgentException(operation + " of VM " + domain.vm().uuid() + " on host " + hostId + ": it is "
                    + domain.state().xapiName() + ", expected " + expected.xapiName());
        }
        return domain;
    }

    private void requireRoomFor(String operation, Vm vm) throws HostAgentException {
        if (domains.containsKey(vm.uuid())) {
            throw new HostAgentException(operation + ": VM " + vm.uuid() + " is already running on host " + hostId);
        }
        long used = domains.values().stream().mapToLong(d -> d.vm().memory()).sum();
        if (used + vm.memory() > memoryCapacity) {
            throw new HostAgentException(operation + " of VM " + vm.uuid() + " on host " + hostId
                    + ": not enough free memory (needs " + vm.memory() + " bytes, " + (memoryCapacity - used)
                    + " of " + memoryCapacity + " free)");
        }
    }

    private void place(String operation, Vm vm, PowerState state, FencingToken token) {
        domains.put(vm.uuid(), new Domain(vm, state));
        world.placedLocked(vm.uuid(), operation, token);
    }
}
