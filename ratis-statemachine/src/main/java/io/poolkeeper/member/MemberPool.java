package io.poolkeeper.member;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.AppliedRequests;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.InputLimits;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.pool.CommandPool;
import io.poolkeeper.ratis.AppliedCommand;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.ratis.protocol.exceptions.NotLeaderException;

/**
 * The {@link io.poolkeeper.api.Pool} of an embedded member. Writes go through the member's group-commit batcher to
 * the Raft leader; an operation carried out by a host agent completes only once the agent's answer is committed
 * (a failed agent leaves the VM as it was and fails the call with {@code HOST_AGENT_FAILED}). {@code LOCAL} reads
 * come from this member's copy; {@code LINEARIZABLE} ones go through a Raft read index.
 *
 * <p>The futures of the public operations complete on the member's {@link Callbacks callback executor}, never on
 * the Raft apply thread, where a callback blocking on another pool call would stall the member. {@link #submit}, the
 * runtime's own door (agent driver, HA, heartbeats), still completes inline: its callbacks never block.
 */
public final class MemberPool extends CommandPool {
    private final RatisPoolMember member;
    /** Agent-backed commands of this member awaiting the agent's answer, by request id. */
    private final Map<String, Waiter> waiters = new ConcurrentHashMap<>();

    /**
     * The final answers of this member's agent-backed commands whose begin was applied, by request id, for a retry:
     * the pool remembers only the begin's result. Kept as long as the pool keeps ids; the count bounds memory (agent
     * calls are slow, far fewer than writes).
     */
    private final Cache<String, ResultCodec.Reply> answered = CacheBuilder.newBuilder()
            .expireAfterWrite(Duration.ofMillis(AppliedRequests.DEFAULT_HORIZON_MILLIS))
            .maximumSize(10_000)
            .build();

    private static final class Waiter {
        final VmId vm;
        final CompletableFuture<ResultCodec.Reply> done = new CompletableFuture<>();
        /** What the call answers: every attempt with this request id gets it. */
        final CompletableFuture<ResultCodec.Reply> reply = new CompletableFuture<>();

        volatile ResultCodec.Reply begun;
        /** This member applied the begin command itself: later states are newer than it. */
        volatile boolean appliedHere;

        /** The agent's answer, once committed; empty while none (a begin that settled at once has none). */
        volatile Operation.VmCompleteOperation answer;

        Waiter(VmId vm) {
            this.vm = vm;
        }
    }

    private final Callbacks callbacks;
    /** The last view {@link #read} answered at LOCAL; racing readers may each make one, all equal. */
    private volatile LocalView lastLocal;

    MemberPool(RatisPoolMember member) {
        this.member = member;
        this.callbacks = new Callbacks(member.config().callbackExecutor());
    }

    @Override
    protected CompletableFuture<io.poolkeeper.core.Result> run(Operation operation, String requestId) {
        // Every write passes here, a withRequestId view's too.
        return callbacks.hop(super.run(operation, requestId));
    }

    @Override
    public CompletableFuture<ResultCodec.Reply> submit(PoolCommand command) {
        return member.config().metrics().command(command.operation(), submitTimed(command));
    }

    private CompletableFuture<ResultCodec.Reply> submitTimed(PoolCommand command) {
        if (command.operation() instanceof Operation.Invalid invalid) {
            // Undecodable input changes nothing on any replica: refuse it here instead of logging it.
            return CompletableFuture.completedFuture(new ResultCodec.Reply(
                    Optional.empty(), Optional.of(Rejection.of(invalid.code(), invalid.detail()))));
        }
        Optional<Rejection> overLimit = InputLimits.check(command);
        if (overLimit.isPresent()) {
            // Refused before it reaches the log: an oversized command must not cost every replica a copy.
            return CompletableFuture.completedFuture(new ResultCodec.Reply(Optional.empty(), overLimit));
        }
        Optional<VmId> agentBacked = agentBackedVm(command.operation());
        Waiter waiter = null;
        if (agentBacked.isPresent() && !command.requestId().isEmpty()) {
            // A retry of a call still waiting for its agent, or of one that got its answer here: the same answer,
            // and no second agent call (the pool would answer the begin command's result, not the agent's).
            waiter = new Waiter(agentBacked.get());
            Waiter first = waiters.putIfAbsent(command.requestId(), waiter);
            if (first != null) {
                return first.reply.copy();
            }
            // Looked up after taking the id: a first attempt records its answer before it lets go of the id.
            ResultCodec.Reply known = answered.getIfPresent(command.requestId());
            if (known != null) {
                waiters.remove(command.requestId(), waiter);
                return CompletableFuture.completedFuture(known);
            }
        }
        CompletableFuture<ResultCodec.Reply> committed;
        try {
            committed = member.batcher()
                    .submit(command)
                    .orTimeout(member.config().timeouts().requestTimeout().toMillis() * 2, TimeUnit.MILLISECONDS)
                    .thenApply(ResultCodec::decode)
                    .exceptionally(MemberPool::translate);
        } catch (PoolException e) {
            committed = CompletableFuture.failedFuture(e);
        }
        if (waiter == null) {
            return committed;
        }
        Waiter w = waiter;
        committed
                .thenCompose(reply -> {
                    if (reply.rejection().isPresent()) {
                        return CompletableFuture.completedFuture(reply);
                    }
                    synchronized (w) {
                        w.begun = reply;
                    }
                    // The agent's answer may already be applied: settle against the latest state too.
                    settle(w, member.applied());
                    // The agent's host may be unreachable: the call cannot wait forever (the master fails the
                    // operation once that host is declared dead).
                    return w.done.orTimeout(
                                    member.config().timeouts().agentAnswerWait().toMillis(), TimeUnit.MILLISECONDS)
                            .exceptionally(MemberPool::translate);
                })
                .whenComplete((r, e) -> {
                    if (r != null && w.begun != null) {
                        // Only once the begin was applied: the pool re-judges a refused command's retry.
                        answered.put(command.requestId(), r);
                    }
                    waiters.remove(command.requestId(), w);
                    if (e != null) {
                        w.reply.completeExceptionally(e);
                    } else {
                        w.reply.complete(r);
                    }
                });
        return w.reply;
    }

    /** Called on the apply thread after every batch: settles the agent-backed commands it concerns. */
    void applied(List<AppliedCommand> commands, AppliedState after) {
        if (waiters.isEmpty()) {
            return;
        }
        for (AppliedCommand a : commands) {
            Waiter own = waiters.get(a.command().requestId());
            if (own != null && a.outcome() instanceof Outcome.Applied) {
                own.appliedHere = true;
            }
            // A completion applied again (a resend) answers an operation that already ended, not the one now begun.
            if (a.command().operation() instanceof Operation.VmCompleteOperation c
                    && a.outcome() instanceof Outcome.Applied
                    && !a.repeated()) {
                waiters.values().stream().filter(w -> w.vm.equals(c.vm())).forEach(w -> w.answer = c);
            }
        }
        for (Waiter w : waiters.values()) {
            settle(w, after);
        }
    }

    /** Completes a begun waiter once its VM has no operation in progress any more. */
    private void settle(Waiter w, AppliedState after) {
        synchronized (w) {
            if (w.begun == null || !w.appliedHere || w.done.isDone()) {
                return;
            }
            Vm vm = after.state().vms().get(w.vm);
            if (vm != null && vm.currentOperation().isPresent()) {
                return;
            }
            Operation.VmCompleteOperation answer = w.answer;
            if (vm != null && (answer == null || answer.succeeded())) {
                // No agent answer means the begin settled at once (a hard shutdown of a suspended VM).
                w.done.complete(w.begun);
            } else if (vm == null) {
                w.done.complete(abandoned(w.vm));
            } else {
                w.done.complete(new ResultCodec.Reply(Optional.empty(), Optional.of(agentFailure(answer))));
            }
        }
    }

    /** The agent's refusal as the caller sees it: the VM, the agent's message (which names the host), the code. */
    private static Rejection agentFailure(Operation.VmCompleteOperation answer) {
        ErrorCode code = answer.staleToken() ? ErrorCode.FENCING_TOKEN_STALE : ErrorCode.HOST_AGENT_FAILED;
        String message = answer.message().isEmpty() ? code.description() : answer.message();
        return new Rejection(
                code,
                List.of(answer.vm().toString(), message),
                answer.operation().xapiName() + " of VM " + answer.vm() + " failed: " + message);
    }

    private static ResultCodec.Reply abandoned(VmId vm) {
        return new ResultCodec.Reply(Optional.empty(), Optional.of(Rejection.of(ErrorCode.HANDLE_INVALID, "VM", vm)));
    }

    private static Optional<VmId> agentBackedVm(Operation op) {
        if (op instanceof Operation.VmStart o) {
            return Optional.of(o.vm());
        } else if (op instanceof Operation.VmShutdown o) {
            return Optional.of(o.vm());
        } else if (op instanceof Operation.VmReboot o) {
            return Optional.of(o.vm());
        } else if (op instanceof Operation.VmSuspend o) {
            return Optional.of(o.vm());
        } else if (op instanceof Operation.VmResume o) {
            return Optional.of(o.vm());
        } else if (op instanceof Operation.VmPause o) {
            return Optional.of(o.vm());
        } else if (op instanceof Operation.VmUnpause o) {
            return Optional.of(o.vm());
        } else if (op instanceof Operation.VmMigrate o) {
            return Optional.of(o.vm());
        }
        return Optional.empty();
    }

    /** Ratis failures as the API's: no leader or retries exhausted means retry later; anything else unknown. */
    static ResultCodec.Reply translate(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (t instanceof PoolException p) {
            throw p;
        }
        if (t instanceof NotLeaderException) {
            throw PoolException.of(ErrorCode.NO_MASTER, List.of(), t.getMessage());
        }
        // Retries exhausted is not "not applied": an earlier attempt may sit in a leader's log and commit later.
        if (t instanceof TimeoutException) {
            throw PoolException.of(ErrorCode.TIMEOUT, List.of(), "no answer in time");
        }
        throw PoolException.of(ErrorCode.TIMEOUT, List.of(), String.valueOf(t));
    }

    @Override
    public CompletableFuture<PoolView> read(ReadConsistency consistency) {
        if (consistency == ReadConsistency.LOCAL) {
            if (member.state() == MemberState.CLOSED) {
                // Its copy stopped at the close: a view of it would show a live pool (and maybe this host as master).
                return CompletableFuture.failedFuture(
                        PoolException.of(ErrorCode.MEMBER_NOT_RUNNING, List.of(), "member is closed"));
            }
            return CompletableFuture.completedFuture(localView(member.applied()));
        }
        return callbacks.hop(readState().thenApply(now -> now.state().toView(now.sequence())));
    }

    /**
     * The view of {@code now}, made once per applied state: a view copies every map of the state (O(objects), some
     * milliseconds at 10,000 VMs), so local reads between two applied batches share the one made first.
     */
    private PoolView localView(AppliedState now) {
        LocalView last = lastLocal;
        if (last != null && last.source() == now) {
            return last.view();
        }
        PoolView view = now.state().toView(now.sequence());
        lastLocal = new LocalView(now, view);
        return view;
    }

    /** The view made of an applied state (compared by identity: each applied batch makes a new state). */
    private record LocalView(AppliedState source, PoolView view) {}

    /** The state after a Raft read index: reflects every write acknowledged before the call. */
    public CompletableFuture<AppliedState> readState() {
        try {
            member.checkWritable();
        } catch (PoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        return member.groups().readLinearizable().exceptionally(e -> {
            Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (t instanceof PoolException p) {
                throw p;
            }
            throw PoolException.of(ErrorCode.NO_QUORUM, List.of(), String.valueOf(t));
        });
    }

    @Override
    public Subscription watch(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
        return member.events().subscribe(fromToken, listener, onError);
    }

    @Override
    public CompletableFuture<Void> designateNewMaster(HostId host) {
        return callbacks.hop(
                run(new Operation.PoolDesignateNewMaster(host)).thenCompose(ok -> member.transferLeadership(host)));
    }

    void close() {
        for (Waiter w : waiters.values()) {
            w.done.completeExceptionally(PoolException.of(ErrorCode.MEMBER_NOT_RUNNING, List.of(), "member closed"));
        }
    }
}
