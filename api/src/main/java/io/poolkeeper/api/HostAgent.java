package io.poolkeeper.api;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import java.util.Set;

/**
 * The embedder's bridge to one host's hypervisor (SPI). The member of that host calls it after the pool committed
 * the transition the call carries out, passing that transition's {@link FencingToken}.
 *
 * <p>Contract for implementations: refuse (throw {@link HostAgentException} with {@code staleToken=true}) any
 * token older than the newest one seen; return only once the hypervisor did what was asked; be safe to call from
 * any thread, one call at a time per VM. {@link #fence} must succeed even when nothing else works.
 */
public interface HostAgent {
    /** Starts the VM on this host, running or paused. */
    void start(Vm vm, boolean paused, FencingToken token) throws HostAgentException;

    /** Stops the VM: cleanly (guest shutdown) or hard (destroy the domain). */
    void stop(VmId vm, boolean hard, FencingToken token) throws HostAgentException;

    /** Reboots the VM in place. */
    void reboot(VmId vm, boolean hard, FencingToken token) throws HostAgentException;

    void pause(VmId vm, FencingToken token) throws HostAgentException;

    void unpause(VmId vm, FencingToken token) throws HostAgentException;

    /** Saves the VM's state to disk and stops it. */
    void suspend(VmId vm, FencingToken token) throws HostAgentException;

    /** Resumes a suspended VM on this host. */
    void resume(Vm vm, FencingToken token) throws HostAgentException;

    /** Live-migrates a VM running here to {@code target}; returns once it runs there. */
    void migrateOut(VmId vm, HostId target, FencingToken token) throws HostAgentException;

    /** Receives a VM migrating in. */
    void migrateIn(Vm vm, FencingToken token) throws HostAgentException;

    /** The VMs the hypervisor is running (or has paused) right now. */
    Set<VmId> listRunning();

    /** HA self-fence: hard-stops every VM on this host at once. */
    void fence(FencingToken token);

    /**
     * The host fenced itself and the pool has re-admitted it: calls with {@code token} or newer follow. An agent
     * that refuses everything after {@link #fence} (as a host rebooting would) accepts calls again from here. The
     * default does nothing.
     */
    default void readmitted(FencingToken token) {}
}
