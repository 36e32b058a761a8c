package io.poolkeeper.member;

import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.HostAgentException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.ratis.AppliedCommand;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How each VM operation maps onto a {@link HostAgent} method, on which host's agent, with which token, where the
 * calls run by default, and which applied commands can concern the agent at all.
 */
final class AgentCalls {
    /** The most of an agent's message the pool records: enough to act on, never near the input limits. */
    static final int MESSAGE_LIMIT = 1000;
    /** Threads of the default agent executor: calls for distinct VMs run concurrently, up to this many. */
    static final int DEFAULT_THREADS = 16;

    private AgentCalls() {}

    /** The host whose agent carries out {@code op} on {@code vm}. */
    static Optional<HostId> agentHost(Vm vm, VmOperation op) {
        return switch (op) {
            case START, START_PAUSED, RESUME -> vm.scheduledToBeResidentOn();
                // The source drives a live migration; it hands the domain to the target itself.
            default -> vm.residentOn();
        };
    }

    static void call(HostAgent agent, Vm vm, VmOperation op, FencingToken token) throws HostAgentException {
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

    /**
     * Whether, after a member restart, {@code op} is already done by what the hypervisor runs: a start or resume of a
     * VM it runs, a shutdown of one it does not. Calling the agent again would start a second copy or fail.
     */
    static boolean doneAlready(VmOperation op, boolean running) {
        return switch (op) {
            case START, START_PAUSED, RESUME -> running;
            case CLEAN_SHUTDOWN, HARD_SHUTDOWN -> !running;
            default -> false;
        };
    }

    /** The agent's failure as the pool records it: with the host, bounded. */
    static String failure(HostId host, Throwable error) {
        String text = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        String message = "host " + host + ": " + text;
        return message.length() <= MESSAGE_LIMIT ? message : message.substring(0, MESSAGE_LIMIT - 3) + "...";
    }

    /** Bounded: a burst of operations queues instead of growing a thread per call. */
    static ExecutorService defaultExecutor(HostId self) {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                DEFAULT_THREADS, DEFAULT_THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "agent-" + self + "-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * The sequence of the command in this batch that began the VM's current operation, or {@code fallback} (the
     * batch's last) when it began earlier: a redelivery after a restart, or a lane that was busy.
     */
    static long beganAt(VmId vm, List<AppliedCommand> commands, PoolState previous, long fallback) {
        boolean had = inProgress(previous, vm);
        long began = fallback;
        for (AppliedCommand c : commands) {
            if (c.outcome() instanceof Outcome.Applied ok) {
                boolean has = inProgress(ok.next(), vm);
                if (has && !had) {
                    began = c.sequence();
                }
                had = has;
            }
        }
        return began;
    }

    /**
     * Whether a command of the batch may have begun a VM operation. Creating, destroying or relabelling a VM, or a
     * refusal, cannot; a batch of only those skips the scan of every VM, which a pool of a thousand VMs paid on every
     * synchronous write (a fifth of the master's apply thread in the side-by-side benchmark).
     */
    static boolean mayBeginOperations(List<AppliedCommand> commands) {
        for (AppliedCommand c : commands) {
            Operation op = c.command().operation();
            boolean inert = c.outcome() instanceof Outcome.Rejected
                    || op instanceof Operation.VmParamSet
                    || op instanceof Operation.VmCreate
                    || op instanceof Operation.VmDestroy;
            if (!inert) {
                return true;
            }
        }
        return false;
    }

    private static boolean inProgress(PoolState state, VmId vm) {
        Vm record = state.vms().get(vm);
        return record != null && record.currentOperation().isPresent();
    }
}
