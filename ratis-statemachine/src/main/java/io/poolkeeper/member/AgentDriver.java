package io.poolkeeper.member;

import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.HostAgentException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out, on this host's hypervisor, the VM operations the pool committed for this host, then commits the
 * agent's answer ({@link Operation.VmCompleteOperation}). Each call carries the fencing token (generation, log index
 * of the state it acts on), so a hypervisor refuses a deposed generation.
 *
 * <p>Works from state, not from log entries: {@link #reconcile} looks at the latest state for operations that
 * concern this host and are not yet in hand, so a replayed log never repeats a call, and an operation left pending
 * by a restart is carried out once the member is back.
 */
final class AgentDriver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentDriver.class);

    private final HostId self;
    private final HostAgent agent;
    private final Function<PoolCommand, CompletableFuture<ResultCodec.Reply>> submit;
    private final Set<VmId> inHand = ConcurrentHashMap.newKeySet();
    private final ExecutorService executor;
    private volatile boolean enabled;
    private volatile boolean fenced;
    /** Agent calls hold it shared; a fence takes it alone, so no call it did not see runs after it. */
    private final ReentrantReadWriteLock calls = new ReentrantReadWriteLock();

    AgentDriver(HostId self, HostAgent agent, Function<PoolCommand, CompletableFuture<ResultCodec.Reply>> submit) {
        this.self = self;
        this.agent = agent;
        this.submit = submit;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "agent-" + self);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts acting; before this (log replay at start-up) states are ignored. Re-admission after a fence. */
    void enable(PoolState state, long logIndex) {
        if (fenced) {
            long generation = state.pool().map(p -> p.generation()).orElse(0L);
            try {
                agent.readmitted(new FencingToken(generation, logIndex));
            } catch (RuntimeException e) {
                LOG.warn("host agent failed to take the re-admission of host {}: {}", self, e.toString());
            }
        }
        fenced = false;
        enabled = true;
        reconcile(state, logIndex);
    }

    /** Whether the host fenced itself and no re-admission has enabled the agent since. */
    boolean fenced() {
        return fenced;
    }

    /**
     * HA self-fence: no agent call from now on, until {@link #enable}; the agent hard-stops every local VM at once,
     * and again once the calls already under way have returned (one of them may have started a VM).
     */
    void fence(FencingToken token) {
        fenced = true;
        enabled = false;
        fenceQuietly(token);
        calls.writeLock().lock();
        try {
            fenceQuietly(token);
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

    void reconcile(PoolState state, long logIndex) {
        if (!enabled || state.pool().isEmpty()) {
            return;
        }
        long generation = state.requirePool().generation();
        for (Vm vm : state.vms().values()) {
            Optional<VmOperation> op = vm.currentOperation();
            if (op.isEmpty() || !concernsMe(vm, op.get()) || !inHand.add(vm.uuid())) {
                continue;
            }
            FencingToken token = new FencingToken(generation, logIndex);
            executor.execute(() -> carryOut(vm, op.get(), token));
        }
    }

    private boolean concernsMe(Vm vm, VmOperation op) {
        return agentHost(vm, op).equals(Optional.of(self));
    }

    /** The host whose agent carries out {@code op} on {@code vm}. */
    static Optional<HostId> agentHost(Vm vm, VmOperation op) {
        return switch (op) {
            case START, START_PAUSED, RESUME -> vm.scheduledToBeResidentOn();
                // The source drives a live migration; it hands the domain to the target itself.
            default -> vm.residentOn();
        };
    }

    private void carryOut(Vm vm, VmOperation op, FencingToken token) {
        boolean succeeded;
        try {
            call(vm, op, token);
            succeeded = true;
        } catch (HostAgentException | RuntimeException e) {
            LOG.warn("host agent failed {} of VM {}: {}", op.xapiName(), vm.uuid(), e.getMessage());
            succeeded = false;
        }
        PoolCommand completion = new PoolCommand(
                RequestIds.complete(vm.uuid(), token.generation(), token.logIndex()),
                0,
                token.generation(),
                new Operation.VmCompleteOperation(vm.uuid(), op, succeeded));
        submit.apply(completion).whenComplete((reply, error) -> {
            inHand.remove(vm.uuid());
            if (error != null) {
                LOG.warn("could not record the agent's answer for VM {}: {}", vm.uuid(), error.toString());
            }
        });
    }

    private void call(Vm vm, VmOperation op, FencingToken token) throws HostAgentException {
        calls.readLock().lock();
        try {
            if (fenced) {
                throw new HostAgentException("host " + self + " fenced itself", false);
            }
            dispatch(vm, op, token);
        } finally {
            calls.readLock().unlock();
        }
    }

    private void dispatch(Vm vm, VmOperation op, FencingToken token) throws HostAgentException {
        switch (op) {
            case START -> agent.start(vm, false, token);
            case START_PAUSED -> agent.start(vm, true, token);
            case CLEAN_SHUTDOWN -> agent.stop(vm.uuid(), false, token);
            case HARD_SHUTDOWN -> agent.stop(vm.uuid(), true, token);
            case CLEAN_REBOOT -> agent.reboot(vm.uuid(), false, token);
            case HARD_REBOOT -> agent.reboot(vm.uuid(), true, token);
            case SUSPEND -> agent.suspend(vm.uuid(), token);
            case RESUME -> agent.resume(vm, token);
            case PAUSE -> agent.pause(vm.uuid(), token);
            case UNPAUSE -> agent.unpause(vm.uuid(), token);
            case MIGRATE -> agent.migrateOut(
                    vm.uuid(), vm.scheduledToBeResidentOn().orElseThrow(), token);
        }
    }

    @Override
    public void close() {
        enabled = false;
        executor.shutdownNow();
    }
}
