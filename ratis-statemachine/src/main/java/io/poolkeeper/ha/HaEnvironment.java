package io.poolkeeper.ha;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.port.HaBeat;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;

/**
 * Everything the HA loop does to the world, and its clock: the one seam between {@link HaMonitor} and a member (or a
 * simulator). Calls are made from the HA tick and must not block it: anything slow completes a future later.
 */
public interface HaEnvironment {

    /** Monotonic nanoseconds. */
    long nanos();

    /** The member's copy of the pool: read every tick, so cheap. */
    PoolState state();

    /** The member as it stands now: read only while HA is enabled. */
    HaView view();

    /** Sends an HA heartbeat to the member at {@code address}; a lost one is simply lost. */
    void send(String address, HaBeat beat);

    /**
     * Fences this host at once: its agent hard-stops every local VM, the member refuses writes
     * ({@code MEMBER_FENCED}), leaves its Raft group and reports FENCED until re-admitted.
     */
    void selfFence(String why);

    /**
     * On the master: commits that {@code host} fenced itself (it is not live, its VMs Halted).
     *
     * @return the VMs the verdict halted
     */
    CompletableFuture<List<VmId>> declareFenced(HostId host);

    /** On the master: takes a host declared fenced out of the Raft configuration (it rejoins when re-admitted). */
    CompletableFuture<Void> removeVoter(HostId host);

    /**
     * On the master: starts a VM on {@code on} (the restart planner's choice), or, if empty, on a host chosen by the
     * placement rules; completes false when it did not start.
     */
    CompletableFuture<Boolean> restart(VmId vm, Optional<HostId> on);

    /**
     * On the master: commits an internal operation of the HA loop (a {@link Operation.PoolAlert} for the event
     * stream, the failover plan's {@link Operation.PoolSetHaPlan status}); completes exceptionally if it was not
     * applied.
     */
    CompletableFuture<Void> propose(Operation operation);

    /**
     * The forced reconfiguration of DESIGN §5, led by this member: re-founds the pool in the next generation from its
     * log and resets {@code survivors} (the others of its partition) into it; a survivor that fenced itself meanwhile
     * is brought back as {@link #readmit} brings a fenced host back.
     *
     * @return completes once this member is master of the new generation, with the VMs that survivors' fences halted
     */
    CompletableFuture<List<VmId>> refound(SortedSet<HostId> survivors, String why);

    /**
     * On the master: if {@code host} answers and is fenced or of an older generation, resets it into this one. A host
     * that fenced itself without the pool recording it (it fenced while no master judged it: a re-founding outlasted
     * W) has that fence committed first, as {@link #declareFenced} does, once its agent's hard stop has returned: its
     * VMs are Halted, and protected ones restarted, rather than recorded as running on a host that stopped them.
     *
     * @return the VMs such a fence halted (none otherwise)
     */
    CompletableFuture<List<VmId>> readmit(Host host);
}
