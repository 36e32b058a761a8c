package io.poolkeeper.member;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmOperation;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.port.Scheduler;
import io.poolkeeper.ratis.AppliedCommand;
import io.poolkeeper.ratis.RaftConfigSync;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the master does (DESIGN §4), from taking over until it is master no more (Ratis {@code LeaderStateImpl},
 * Proxmox {@code Manager}): records itself as master, checks that no newer generation exists before its first
 * write, judges liveness, fails the agent operations of hosts that died, keeps Raft's configuration in line with
 * the pool, and raises {@code DEFAULT_SR_INVALID} after taking over.
 *
 * <p>Thread-safe; {@link #applied} runs on the apply thread and only hands work to the duty queue.
 */
final class MasterDuties {
    private static final Logger LOG = LoggerFactory.getLogger(MasterDuties.class);

    private final HostId self;
    private final Scheduler scheduler;
    private final Supplier<AppliedState> applied;
    private final HeartbeatReceiver heartbeats;
    private final GenerationGuard generations;
    private final RaftConfigSync configSync;
    private final HeartbeatReceiver.CommandSink sink;
    private final BooleanSupplier isMaster;
    private volatile boolean active;

    MasterDuties(
            HostId self,
            Scheduler scheduler,
            Supplier<AppliedState> applied,
            HeartbeatReceiver heartbeats,
            GenerationGuard generations,
            RaftConfigSync configSync,
            HeartbeatReceiver.CommandSink sink,
            BooleanSupplier isMaster) {
        this.self = self;
        this.scheduler = scheduler;
        this.applied = applied;
        this.heartbeats = heartbeats;
        this.generations = generations;
        this.configSync = configSync;
        this.sink = sink;
        this.isMaster = isMaster;
    }

    /** Taking over: every heartbeat clock starts afresh, writes wait for the generation check. */
    void start() {
        active = true;
        heartbeats.restart();
        generations.mastershipStarted();
        scheduler.execute(this::recordMaster);
    }

    void stop() {
        active = false;
    }

    /** Every tick: liveness verdicts; every heartbeat interval ({@code beat}) a generation probe. */
    void tick(long now, boolean beat) {
        if (!active) {
            return;
        }
        heartbeats.judge(now);
        if (beat) {
            generations.probe(false);
        }
    }

    /** On the apply thread, after every batch. */
    void applied(List<AppliedCommand> commands, AppliedState after) {
        if (!active || after.state().pool().isEmpty()) {
            return;
        }
        if (!after.state().isMaster(self)) {
            scheduler.execute(this::recordMaster);
        }
        for (AppliedCommand a : commands) {
            if (!(a.outcome() instanceof Outcome.Applied) || a.repeated()) {
                continue;
            }
            if (a.command().operation() instanceof Operation.HostFenced fenced) {
                // Before any later heartbeat verdict is judged: a beat heard before the cut would make it live again.
                heartbeats.forget(fenced.host());
            }
            if (a.command().operation() instanceof Operation.HostSetLive dead && !dead.live()) {
                scheduler.execute(() -> abortOperationsOn(dead.host()));
            }
            if (a.command().operation() instanceof Operation.PoolSetMaster m
                    && m.host().equals(self)) {
                scheduler.execute(this::checkDefaultSr);
            }
        }
        if (configSync.request()) {
            scheduler.execute(() -> {
                if (active) {
                    configSync.sync(applied.get().state());
                } else {
                    configSync.skip();
                }
            });
        }
    }

    /** A new master records itself as pool master (DESIGN §4); retried by the next apply if it fails. */
    private void recordMaster() {
        PoolState state = applied.get().state();
        if (!active || !isMaster.getAsBoolean() || state.pool().isEmpty() || state.isMaster(self)) {
            return;
        }
        sink.submit(PoolCommand.of(new Operation.PoolSetMaster(self))).whenComplete((r, e) -> {
            if (e != null) {
                LOG.debug("recording master failed: {}", e.toString());
            }
        });
    }

    /**
     * A host died with VM operations pending on its agent: nobody will carry them out, so the master commits them
     * failed (the VM is left as it was, the caller gets {@code HOST_AGENT_FAILED}) and the VMs can be used elsewhere.
     */
    private void abortOperationsOn(HostId host) {
        AppliedState now = applied.get();
        long generation = now.state().requirePool().generation();
        for (Vm vm : now.state().vms().values()) {
            Optional<VmOperation> op = vm.currentOperation();
            if (op.isEmpty() || !AgentCalls.agentHost(vm, op.get()).equals(Optional.of(host))) {
                continue;
            }
            LOG.info("host {} is dead: {} of VM {} fails", host, op.get().xapiName(), vm.uuid());
            sink.submit(new PoolCommand(
                    RequestIds.abort(vm.uuid(), generation, now.logIndex()),
                    0,
                    generation,
                    new Operation.VmCompleteOperation(
                            vm.uuid(),
                            op.get(),
                            false,
                            false,
                            "host " + host + " was declared dead before its agent answered")));
        }
    }

    /** After a transition to master: the seed's default-SR check, as an alert every member sees. */
    private void checkDefaultSr() {
        AppliedState now = applied.get();
        if (!now.state().toView(now.sequence()).alerts().contains(ErrorCode.DEFAULT_SR_INVALID)) {
            return;
        }
        String sr = now.state()
                .pool()
                .flatMap(p -> p.defaultSr())
                .map(Object::toString)
                .orElse("");
        sink.submit(PoolCommand.of(new Operation.PoolAlert(ErrorCode.DEFAULT_SR_INVALID, List.of(sr))))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.debug("raising DEFAULT_SR_INVALID failed: {}", e.toString());
                    }
                });
    }
}
