package io.poolkeeper.member;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.HostAgentException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.ratis.AppliedCommand;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out, on this host's hypervisor, the VM operations the pool committed for this host, and commits the agent's
 * answer ({@link Operation.VmCompleteOperation}): the runtime side of the protocol written down on {@link HostAgent}.
 *
 * <p>Each VM has at most one <em>lane</em>: the call in hand for it, from dispatch until this member has applied the
 * committed answer. So a VM never has two calls in flight, and an operation is not dispatched again because its
 * answer was acknowledged before this member's own copy showed it (the slave-side duplicate). An answer that cannot be
 * committed (no master, a timeout) is re-submitted under the same request id, never by calling the agent again.
 *
 * <p>Works from state, not from log entries: every applied batch is scanned for operations that concern this host
 * and have no lane, so a replayed log never repeats a call, and an operation left pending by a restart is carried out
 * once the member is back — after {@link HostAgent#listRunning} has shown which of them are done already.
 */
final class AgentDriver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentDriver.class);

    /** Two minutes of retries. */
    private static final int ALERT_ATTEMPTS = 240;
    /** How long a starting member waits for a master before it acts on its own copy: one minute. */
    private static final int READ_ATTEMPTS = 120;

    /** The call in hand for one VM: an operation's ({@code adoption} false) or a migration's arrival. */
    private record Lane(VmOperation operation, FencingToken token, String requestId, long epoch, boolean adoption) {}

    /** A committed migration to this host, the VM as committed and the lane of its {@code migrateIn}. */
    private record Arrival(Vm vm, Lane lane) {}

    private final HostId self;
    private final HostAgent agent;
    private final Function<PoolCommand, CompletableFuture<ResultCodec.Reply>> submit;
    private final Supplier<AppliedState> latest;
    /** Whether the member follows a master (slave or master): its copy is then fed the pool's log. */
    private final BooleanSupplier followsMaster;
    /** The master's state now (a linearizable read through Raft): how far this member's copy must catch up. */
    private final Supplier<CompletableFuture<AppliedState>> readMaster;

    private final Executor executor;
    private final Optional<ExecutorService> owned;
    private final Resubmitter resubmitter;
    private final Map<VmId, Lane> lanes = new ConcurrentHashMap<>();
    /**
     * Migrations to this host committed while its agent did not act yet (a member starting or re-admitted, catching
     * up): handed to the agent once it acts, if the VM still resides here. Guarded by this object.
     */
    private final Map<VmId, Arrival> arrivals = new TreeMap<>();
    /** Agent calls hold it shared; a fence takes it alone, so no call it did not see runs after it. */
    private final ReentrantReadWriteLock calls = new ReentrantReadWriteLock();
    /** The state before the next batch, to find the command that began an operation. Apply thread only. */
    private PoolState before = PoolState.empty();

    private volatile boolean enabled;
    private volatile boolean fenced;
    /** The last fence's hard stop has returned; cleared with {@link #fenced} on re-admission. */
    private volatile boolean stopped;

    private volatile boolean closed;
    /** Raised by a fence: answers of calls made before it are dropped. */
    private volatile long epoch;

    AgentDriver(
            HostId self,
            HostAgent agent,
            Function<PoolCommand, CompletableFuture<ResultCodec.Reply>> submit,
            Supplier<AppliedState> latest,
            BooleanSupplier followsMaster,
            Supplier<CompletableFuture<AppliedState>> readMaster,
            Optional<Executor> executor) {
        this.self = self;
        this.agent = agent;
        this.submit = submit;
        this.latest = latest;
        this.followsMaster = followsMaster;
        this.readMaster = readMaster;
        this.owned = executor.isPresent() ? Optional.empty() : Optional.of(AgentCalls.defaultExecutor(self));
        this.executor = executor.orElseGet(owned::get);
        this.resubmitter = new Resubmitter(submit, this.executor, () -> closed);
    }

    /**
     * Starts acting (member start, or re-admission after a fence); before this, states are only watched. First asks
     * the agent what it runs, then waits until this member's copy has caught up with the master's (a restarted or
     * fenced copy may be far behind: the pool may have aborted its operations and restarted its VMs elsewhere, and a
     * start dispatched from that copy would run a VM twice); then reports what disagrees with the pool, takes as done
     * what a restart interrupted, and carries out what is pending.
     */
    void enable(AppliedState at) {
        if (closed) {
            return;
        }
        FencingToken token = new FencingToken(generation(at.state()), at.sequence());
        boolean readmission = fenced;
        fenced = false;
        stopped = false;
        executor.execute(() -> {
            if (readmission) {
                try {
                    agent.readmitted(token);
                } catch (RuntimeException e) {
                    LOG.warn("host agent failed to take the re-admission of host {}: {}", self, e.toString());
                }
            }
            Optional<Set<VmId>> running;
            try {
                running = Optional.of(Set.copyOf(agent.listRunning()));
            } catch (RuntimeException e) {
                LOG.warn("host agent of {} could not list its VMs; nothing is reconciled: {}", self, e.toString());
                running = Optional.empty();
            }
            Map<VmId, Lane> held = running.map(this::holdDone).orElseGet(TreeMap::new);
            caughtUp(running, held, READ_ATTEMPTS);
        });
    }

    private synchronized void act() {
        if (fenced || closed) {
            return; // fenced again meanwhile: the next re-admission enables
        }
        enabled = true;
        PoolState now = latest.get().state();
        arrivals.forEach((vm, arrival) -> {
            Vm record = now.vms().get(vm);
            if (record != null && record.residentOn().equals(Optional.of(self))) {
                adoptLater(arrival.vm(), arrival.lane());
            }
        });
        arrivals.clear();
        redispatch();
    }

    /** A dispatch off the apply thread (on enabling, after an adoption), from the latest state. */
    private synchronized void redispatch() {
        AppliedState now = latest.get();
        dispatch(List.of(), now.state(), now);
    }

    /**
     * Operations in this member's copy that the hypervisor shows done already (a restart came between the agent's
     * return and the commit of its answer): their VMs get a lane, so no call is made, until {@link #caughtUp}.
     */
    private synchronized Map<VmId, Lane> holdDone(Set<VmId> running) {
        AppliedState now = latest.get();
        Map<VmId, Lane> held = new TreeMap<>();
        PoolState state = now.state();
        if (state.pool().isEmpty()) {
            return held;
        }
        long generation = generation(state);
        for (Vm vm : state.vms().values()) {
            Optional<VmOperation> op = vm.currentOperation();
            if (op.isEmpty()
                    || !concernsMe(vm, op.get())
                    || !AgentCalls.doneAlready(op.get(), running.contains(vm.uuid()))) {
                continue;
            }
            FencingToken token = new FencingToken(generation, now.sequence());
            Lane lane = new Lane(
                    op.get(), token, RequestIds.complete(vm.uuid(), generation, token.sequence()), epoch, false);
            if (lanes.putIfAbsent(vm.uuid(), lane) == null) {
                held.put(vm.uuid(), lane);
            }
        }
        return held;
    }

    /**
     * Once this member follows a master again and its copy holds all the master held then (one linearizable read,
     * not retried while there is no master: retried reads on a member without a leader slowed the pool's own reads):
     * answers the held operations that are still pending as done, releases the others, reports what disagrees and
     * starts dispatching. Without a master for a minute, it goes by its own copy.
     */
    private void caughtUp(Optional<Set<VmId>> running, Map<VmId, Lane> held, int attemptsLeft) {
        if (closed || fenced) {
            return;
        }
        if (attemptsLeft <= 1) {
            LOG.warn("host {}: no master to catch up with; the host agent goes by this member's own copy", self);
            settle(running, held);
            return;
        }
        if (!followsMaster.getAsBoolean()) {
            resubmitter.later(() -> caughtUp(running, held, attemptsLeft - 1));
            return;
        }
        readMaster.get().whenComplete((master, error) -> {
            if (error != null) {
                resubmitter.later(() -> caughtUp(running, held, attemptsLeft - 1));
            } else {
                copyHolds(master, running, held, attemptsLeft - 1);
            }
        });
    }

    /** Waits (every half second) until this member's copy holds what {@code master} did, in its generation. */
    private void copyHolds(AppliedState master, Optional<Set<VmId>> running, Map<VmId, Lane> held, int attemptsLeft) {
        if (closed || fenced) {
            return;
        }
        AppliedState mine = latest.get();
        boolean sameGroup = mine.state().pool().isPresent()
                && master.state().pool().isPresent()
                && generation(mine.state()) == generation(master.state());
        if (sameGroup && mine.sequence() >= master.sequence()) {
            settle(running, held);
        } else if (attemptsLeft <= 1 || !sameGroup) {
            // Another generation (this member is being reset into the master's): read the master again later.
            resubmitter.later(() -> caughtUp(running, held, attemptsLeft));
        } else {
            resubmitter.later(() -> copyHolds(master, running, held, attemptsLeft - 1));
        }
    }

    private void settle(Optional<Set<VmId>> running, Map<VmId, Lane> held) {
        executor.execute(() -> {
            AppliedState current = latest.get();
            settleHeld(held, current);
            running.ifPresent(r -> audit(current, r));
            act();
        });
    }

    private synchronized void settleHeld(Map<VmId, Lane> held, AppliedState current) {
        held.forEach((vm, lane) -> {
            Vm record = current.state().vms().get(vm);
            boolean pending = record != null
                    && record.currentOperation().equals(Optional.of(lane.operation()))
                    && concernsMe(record, lane.operation());
            if (pending) {
                LOG.info(
                        "{} of VM {} was carried out before this member restarted",
                        lane.operation().xapiName(),
                        vm);
                answer(vm, lane, Optional.empty());
            } else {
                lanes.remove(vm, lane);
            }
        });
    }

    /** Whether the host fenced itself and no re-admission has enabled the agent since. */
    boolean fenced() {
        return fenced;
    }

    /** Whether the host fenced itself, the agent's hard stop has returned, and no re-admission came since. */
    boolean fenceComplete() {
        return fenced && stopped;
    }

    /**
     * HA self-fence: no agent call from now on, until {@link #enable}; the agent hard-stops every local VM at once,
     * and again once the calls already under way have returned (one of them may have started a VM).
     */
    void fence(FencingToken token) {
        stopped = false;
        fenced = true;
        enabled = false;
        synchronized (this) {
            arrivals.clear();
        }
        fenceQuietly(token);
        calls.writeLock().lock();
        try {
            epoch++;
            lanes.clear();
            fenceQuietly(token);
            stopped = true;
        } finally {
            calls.writeLock().unlock();
        }
    }

    private void fenceQuietly(FencingToken token) {
        try {
            agent.fence(token);
        } catch (RuntimeException e) {
            // The contract says fence never fails; one that does must not stop the member from fencing the rest.
            LOG.error("host agent failed to fence host {}: {}", self, e.toString());
        }
    }

    /** The state was replaced wholesale (snapshot): the next batch's predecessor. Apply thread. */
    synchronized void reloaded(AppliedState after) {
        before = after.state();
    }

    /**
     * One applied batch (apply thread: quick, never blocks on an agent). Synchronized with {@link #redispatch}, which
     * reads the latest state under the same lock: a lane ended here is never followed by a dispatch from a state
     * older than its end (that would deliver the operation twice).
     */
    synchronized void applied(List<AppliedCommand> commands, AppliedState after) {
        PoolState previous = before;
        before = after.state();
        for (AppliedCommand c : commands) {
            if (c.command().operation() instanceof Operation.VmCompleteOperation done) {
                Lane lane = lanes.get(done.vm());
                // Applied or refused, the answer is in this member's copy now: the lane ends here, not on the reply.
                if (lane != null && lane.requestId().equals(c.command().requestId())) {
                    lanes.remove(done.vm(), lane);
                }
                if (c.outcome() instanceof Outcome.Applied ok && !c.repeated()) {
                    // A later answer for the VM: a migration before it was taken over already (a log replayed after
                    // a restart), and delivering it now would go back in the VM's tokens.
                    arrivals.remove(done.vm());
                    arrived(done, ok.next(), c.sequence());
                }
            }
        }
        if (enabled && AgentCalls.mayBeginOperations(commands)) {
            dispatch(commands, previous, after);
        }
    }

    private void dispatch(List<AppliedCommand> commands, PoolState previous, AppliedState after) {
        PoolState state = after.state();
        if (!enabled || closed || state.pool().isEmpty()) {
            return;
        }
        long generation = generation(state);
        for (Vm vm : state.vms().values()) {
            Optional<VmOperation> op = vm.currentOperation();
            if (op.isEmpty() || !concernsMe(vm, op.get()) || lanes.containsKey(vm.uuid())) {
                continue;
            }
            long began = AgentCalls.beganAt(vm.uuid(), commands, previous, after.sequence());
            FencingToken token = new FencingToken(generation, began);
            Lane lane = new Lane(op.get(), token, RequestIds.complete(vm.uuid(), generation, began), epoch, false);
            if (lanes.putIfAbsent(vm.uuid(), lane) == null) {
                executor.execute(() -> carryOut(vm, lane));
            }
        }
    }

    /**
     * A migration to this host was committed: the target's agent takes the VM over (migrateIn), now or, when it does
     * not act yet, once it does. Not acting is no reason to lose the call: the source already moved the VM here. After
     * a restart this may deliver again a migrateIn made before it (the contract accepts a VM already here).
     */
    private void arrived(Operation.VmCompleteOperation done, PoolState next, long sequence) {
        Vm vm = next.vms().get(done.vm());
        if (done.operation() != VmOperation.MIGRATE
                || !done.succeeded()
                || vm == null
                || !vm.residentOn().equals(Optional.of(self))) {
            return;
        }
        long generation = generation(next);
        FencingToken token = new FencingToken(generation, sequence);
        // Its id never matches a completion's: only the adoption's own end releases the lane.
        Lane lane =
                new Lane(VmOperation.MIGRATE, token, RequestIds.report("adopt", self, vm.uuid(), token), epoch, true);
        if (enabled) {
            adoptLater(vm, lane);
        } else {
            arrivals.put(vm.uuid(), new Arrival(vm, lane));
        }
    }

    private void adoptLater(Vm vm, Lane lane) {
        if (lanes.putIfAbsent(vm.uuid(), lane) == null) {
            executor.execute(() -> adopt(vm, lane));
        }
    }

    private boolean concernsMe(Vm vm, VmOperation op) {
        return AgentCalls.agentHost(vm, op).equals(Optional.of(self));
    }

    private void carryOut(Vm vm, Lane lane) {
        Optional<Throwable> failure = Optional.empty();
        try {
            call(lane, () -> AgentCalls.call(agent, vm, lane.operation(), lane.token()));
        } catch (HostAgentException | RuntimeException e) {
            LOG.warn("host agent failed {} of VM {}: {}", lane.operation().xapiName(), vm.uuid(), e.getMessage());
            failure = Optional.of(e);
        }
        answer(vm.uuid(), lane, failure);
    }

    private void answer(VmId vm, Lane lane, Optional<Throwable> failure) {
        if (lane.epoch() != epoch) {
            // Dispatched across a fence (the apply thread read the old epoch as fence() cleared the lanes): nothing
            // of it may reach the pool, and its lane must not outlive it or the VM's next operation never starts.
            lanes.remove(vm, lane);
            return;
        }
        boolean stale = failure.filter(e -> e instanceof HostAgentException h && h.staleToken())
                .isPresent();
        Operation.VmCompleteOperation completion = new Operation.VmCompleteOperation(
                vm,
                lane.operation(),
                failure.isEmpty(),
                stale,
                failure.map(e -> AgentCalls.failure(self, e)).orElse(""));
        commit(vm, lane, new PoolCommand(lane.requestId(), 0, lane.token().generation(), completion));
    }

    /** Submits until committed: same request id, so a retry after an unknown outcome is applied once. */
    private void commit(VmId vm, Lane lane, PoolCommand command) {
        resubmitter.submit(command, () -> lane.epoch() == epoch && lanes.get(vm) == lane, Integer.MAX_VALUE);
    }

    private void adopt(Vm vm, Lane lane) {
        try {
            call(lane, () -> agent.migrateIn(vm, lane.token()));
        } catch (HostAgentException | RuntimeException e) {
            String message = AgentCalls.failure(self, e);
            LOG.warn("host agent failed to take over VM {} migrated here: {}", vm.uuid(), message);
            PoolCommand alert = new PoolCommand(
                    RequestIds.report("adopt", self, vm.uuid(), lane.token()),
                    0,
                    0,
                    new Operation.PoolAlert(
                            ErrorCode.HOST_AGENT_FAILED, List.of(vm.uuid().toString(), self.toString(), message)));
            resubmitter.submit(alert, () -> true, ALERT_ATTEMPTS);
        } finally {
            lanes.remove(vm.uuid(), lane);
        }
        // An operation may have begun meanwhile; it waited for this lane.
        redispatch();
    }

    private interface AgentCall {
        void run() throws HostAgentException;
    }

    private void call(Lane lane, AgentCall call) throws HostAgentException {
        calls.readLock().lock();
        try {
            if (fenced || lane.epoch() != epoch) {
                throw new HostAgentException("host " + self + " fenced itself", false);
            }
            call.run();
        } finally {
            calls.readLock().unlock();
        }
    }

    /** After {@code listRunning}, against a caught-up state: alerts for what disagrees. */
    private void audit(AppliedState now, Set<VmId> running) {
        if (now.state().pool().isEmpty()) {
            return;
        }
        AgentAudit audit = AgentAudit.of(self, now.state(), running);
        if (!audit.unexpected().isEmpty() || !audit.missing().isEmpty()) {
            LOG.warn(
                    "host {} runs VMs the pool does not record as running here: {}; the pool records VMs as running"
                            + " here that it does not run: {}",
                    self,
                    audit.unexpected(),
                    audit.missing());
        }
        FencingToken token = new FencingToken(generation(now.state()), now.sequence());
        audit.alerts(self, token).forEach(alert -> resubmitter.submit(alert, () -> true, ALERT_ATTEMPTS));
    }

    private static long generation(PoolState state) {
        return state.pool().map(p -> p.generation()).orElse(0L);
    }

    @Override
    public void close() {
        closed = true;
        enabled = false;
        owned.ifPresent(ExecutorService::shutdownNow);
    }
}
