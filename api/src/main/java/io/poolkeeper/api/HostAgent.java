package io.poolkeeper.api;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import java.util.Set;

/**
 * The embedder's bridge to one host's hypervisor (SPI). The member of that host calls it to carry out VM operations
 * the pool has committed for that host, and reports the answer back to the pool.
 *
 * <h2>What the runtime guarantees</h2>
 *
 * <ul>
 *   <li><b>Per VM, one call at a time, in commit order.</b> Calls for different VMs run concurrently, on the member's
 *       agent executor (bounded: 16 threads unless the embedder passes its own with
 *       {@code PoolMember.Builder.agentExecutor}); calls for one VM never overlap, and their tokens never decrease.
 *   <li><b>Each committed operation reaches the agent once</b> while its member runs. The answer is committed
 *       (retried until it is, never by calling the agent again); a VM operation ends only on that answer, on the
 *       master failing it because the host was declared dead, or on an operator's {@code vm-reset-powerstate}.
 *   <li><b>After a member restart</b> an operation that was in progress when the member stopped may have been
 *       carried out before the answer was committed. The member first asks {@link #listRunning}, and calls nothing
 *       more until its copy of the pool holds what the master's held (a restarted or fenced host's copy may be
 *       stale: the pool may have restarted its VMs elsewhere meanwhile). Then a start or resume
 *       of a VM already running here, or a shutdown of one not running here, is taken as done without a call; the
 *       other operations are delivered again, with a token at least as new. So a start never runs a second
 *       copy, and {@link #reboot}, {@link #pause}, {@link #unpause} must tolerate a repeat after a crash. The member
 *       also reports, as {@link ErrorCode#HOST_RUNS_UNEXPECTED_VM} and {@link ErrorCode#HOST_MISSING_RUNNING_VM}
 *       alerts, every VM the hypervisor runs that the pool does not place here and the reverse; it changes nothing
 *       itself (the operator decides, for example with {@code vm-reset-powerstate}).
 *   <li><b>Migration</b> is driven by the source: {@link #migrateOut} on the source host moves the VM (it talks to
 *       the target's hypervisor itself, as xenopsd and libvirt's peer-to-peer migration do). Once the pool committed
 *       the move, the target's member calls {@link #migrateIn} (xapi's {@code VM.pool_migrate_complete}).
 *   <li><b>Failures reach the caller</b>: a {@link HostAgentException} (or any runtime exception) fails the operation
 *       with {@link ErrorCode#HOST_AGENT_FAILED}, or {@link ErrorCode#FENCING_TOKEN_STALE} when it says
 *       {@code staleToken}; the parameters are the VM and the exception's message, prefixed with the host. The VM
 *       is left as it was.
 *   <li><b>The caller waits</b> at most {@link MemberTimeouts#agentAnswerWait()} for the answer; a call may take as
 *       long as it needs, but past that budget the caller gets {@link ErrorCode#TIMEOUT}.
 * </ul>
 *
 * <h2>What an implementation must do</h2>
 *
 * <ul>
 *   <li>Be safe to call from any thread; return only once the hypervisor did what was asked.
 *   <li>Refuse (throw {@link HostAgentException} with {@code staleToken=true}) a call whose {@link FencingToken} is
 *       older than the newest token seen <em>for that VM</em>, of an older generation than the newest seen on the
 *       host, or older than the last {@link #fence} token. Accept an equal token: it is the same call again. Do not
 *       compare tokens across VMs within a generation: calls for different VMs arrive in any order.
 *   <li>Keep those tokens across its own restart (on disk), or refuse every call after a restart until
 *       {@link #readmitted}: otherwise a deposed master could drive the host again.
 *   <li>{@link #fence} must succeed even when nothing else works.
 * </ul>
 *
 * {@code io.poolkeeper.testing.SimulatedHypervisor} implements this contract in memory.
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

    /**
     * Live-migrates a VM running here to {@code target}, talking to the target's hypervisor; returns once it runs
     * there. The pool commits the move only after this returns.
     */
    void migrateOut(VmId vm, HostId target, FencingToken token) throws HostAgentException;

    /**
     * The pool committed that {@code vm}, live-migrated here by the source's {@link #migrateOut}, now resides on this
     * host: take it under this host's management. Called once per migration, after the commit, with the token of the
     * committed move; must accept a VM already running here. A failure is logged and raised as a
     * {@link ErrorCode#HOST_AGENT_FAILED} alert; the pool's record stays as committed.
     */
    void migrateIn(Vm vm, FencingToken token) throws HostAgentException;

    /**
     * The VMs the hypervisor is running (or has paused) right now. Called when the member starts and when it is
     * re-admitted after a fence, before any other call; must not block for long.
     */
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
