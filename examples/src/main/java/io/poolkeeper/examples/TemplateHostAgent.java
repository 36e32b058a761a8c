package io.poolkeeper.examples;

import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.HostAgentException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A template for an embedder's {@link HostAgent}: the fencing-token contract of the {@link HostAgent} Javadoc,
 * written out, around an in-memory "hypervisor" (a map of domains). Copy it and replace the lines marked
 * {@code HYPERVISOR} with calls to yours (libvirt, xenopsd, ...). The other examples run it as their agent.
 *
 * <p>The contract it keeps:
 *
 * <ul>
 *   <li>a call whose token is older than the newest seen <em>for that VM</em>, of an older generation than the newest
 *       seen on this host, or older than the last {@link #fence} token, is refused with {@code staleToken = true}
 *       (the caller gets {@code FENCING_TOKEN_STALE}): a deposed master can never drive this host again;
 *   <li>an <em>equal</em> token is accepted: it is the same call again (a retry after a member restart);
 *   <li>tokens of different VMs are not compared: calls for different VMs run concurrently, in any order;
 *   <li>{@link #fence} never fails, whatever its token: it hard-stops everything, and every call is then refused
 *       until {@link #readmitted} (a real host reboots in between).
 * </ul>
 *
 * <p>Durability: a real agent must keep {@code newestPerVm} and {@code floor} across its own restart (write them
 * to disk and fsync before acting on the call, e.g. one small file per VM holding {@code generation sequence}), or
 * refuse every call after a restart until {@link #readmitted}. This template keeps them in memory, as the
 * hypervisor "process" of an example lives as long as its JVM.
 *
 * <p>Thread-safety: the member calls it from several threads at once (one call at a time per VM), so every method
 * takes this object's lock. A real agent would lock per VM around the slow hypervisor call and hold the token check
 * and its record under one lock, so that a slow start of one VM does not hold up the others.
 */
public final class TemplateHostAgent implements HostAgent {
    private final HostId host;

    // Guarded by this.
    private final SortedMap<VmId, PowerState> domains = new TreeMap<>(); // HYPERVISOR: what runs here
    private final Set<VmId> suspended = new HashSet<>(); // HYPERVISOR: suspend images (shared storage)
    private final Map<VmId, FencingToken> newestPerVm = new HashMap<>(); // durable in a real agent
    /** The newest generation seen here (sequence 0), or the last fence's token if newer: older is stale everywhere. */
    private FencingToken floor; // durable in a real agent

    private boolean fenced;

    public TemplateHostAgent(HostId host) {
        this.host = Objects.requireNonNull(host, "host");
    }

    @Override
    public synchronized void start(Vm vm, boolean paused, FencingToken token) throws HostAgentException {
        admit("start", vm.uuid(), token);
        if (domains.containsKey(vm.uuid())) {
            throw new HostAgentException("start: VM " + vm.uuid() + " already runs on " + host);
        }
        domains.put(vm.uuid(), paused ? PowerState.PAUSED : PowerState.RUNNING); // HYPERVISOR: create the domain
        suspended.remove(vm.uuid());
    }

    @Override
    public synchronized void stop(VmId vm, boolean hard, FencingToken token) throws HostAgentException {
        admit("stop", vm, token);
        domainOf("stop", vm);
        domains.remove(vm); // HYPERVISOR: shutdown (clean) or destroy (hard)
    }

    @Override
    public synchronized void reboot(VmId vm, boolean hard, FencingToken token) throws HostAgentException {
        admit("reboot", vm, token);
        domainOf("reboot", vm);
        domains.put(vm, PowerState.RUNNING); // HYPERVISOR: reboot; must tolerate a repeat after a crash
    }

    @Override
    public synchronized void pause(VmId vm, FencingToken token) throws HostAgentException {
        admit("pause", vm, token);
        domainOf("pause", vm);
        domains.put(vm, PowerState.PAUSED); // HYPERVISOR: pause; a repeat is harmless
    }

    @Override
    public synchronized void unpause(VmId vm, FencingToken token) throws HostAgentException {
        admit("unpause", vm, token);
        domainOf("unpause", vm);
        domains.put(vm, PowerState.RUNNING); // HYPERVISOR: unpause; a repeat is harmless
    }

    @Override
    public synchronized void suspend(VmId vm, FencingToken token) throws HostAgentException {
        admit("suspend", vm, token);
        domainOf("suspend", vm);
        domains.remove(vm); // HYPERVISOR: save the memory image to the SR, then destroy the domain
        suspended.add(vm);
    }

    @Override
    public synchronized void resume(Vm vm, FencingToken token) throws HostAgentException {
        admit("resume", vm.uuid(), token);
        // HYPERVISOR: restore from the image on the SR (another host may have written it, so not checked here).
        domains.put(vm.uuid(), PowerState.RUNNING);
        suspended.remove(vm.uuid());
    }

    @Override
    public synchronized void migrateOut(VmId vm, HostId target, FencingToken token) throws HostAgentException {
        admit("migrateOut", vm, token);
        domainOf("migrateOut", vm);
        // HYPERVISOR: live-migrate to target's hypervisor and return once it runs there; the pool commits the move
        // only after this returns, then the target's member calls migrateIn.
        domains.remove(vm);
    }

    @Override
    public synchronized void migrateIn(Vm vm, FencingToken token) throws HostAgentException {
        admit("migrateIn", vm.uuid(), token);
        domains.putIfAbsent(vm.uuid(), PowerState.RUNNING); // already here after a real live migration
    }

    @Override
    public synchronized Set<VmId> listRunning() {
        return fenced ? Set.of() : Set.copyOf(domains.keySet()); // HYPERVISOR: list the domains; never block long
    }

    /** Never fails: not on a stale token, not when fenced already. */
    @Override
    public synchronized void fence(FencingToken token) {
        if (token != null && (floor == null || token.compareTo(floor) > 0)) {
            floor = token;
        }
        domains.clear(); // HYPERVISOR: destroy every domain at once (a real host may simply reboot)
        fenced = true;
    }

    @Override
    public synchronized void readmitted(FencingToken token) {
        fenced = false;
    }

    /** What runs (or is paused) on this host now, in VM order. */
    public synchronized SortedMap<VmId, PowerState> domains() {
        return Collections.unmodifiableSortedMap(new TreeMap<>(domains));
    }

    public HostId host() {
        return host;
    }

    /** The fencing-token check every call but fence and listRunning goes through first. */
    private void admit(String operation, VmId vm, FencingToken token) throws HostAgentException {
        Objects.requireNonNull(token, "token");
        if (fenced) {
            throw new HostAgentException(operation + " on " + host + ": the host is fenced");
        }
        FencingToken newest = newestPerVm.get(vm);
        FencingToken bound = newest == null || (floor != null && floor.compareTo(newest) > 0) ? floor : newest;
        if (bound != null && token.compareTo(bound) < 0) { // equal: the same call again, accepted
            throw new HostAgentException(
                    operation + " of VM " + vm + " on " + host + ": fencing token " + token + " is older than " + bound,
                    true);
        }
        // Recorded before the hypervisor acts (a real agent: written to disk first), even if the call then fails.
        newestPerVm.put(vm, token);
        if (floor == null || token.generation() > floor.generation()) {
            floor = new FencingToken(token.generation(), 0);
        }
    }

    private PowerState domainOf(String operation, VmId vm) throws HostAgentException {
        PowerState state = domains.get(vm);
        if (state == null) {
            throw new HostAgentException(operation + ": VM " + vm + " does not run on " + host);
        }
        return state;
    }
}
