package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One pool operation of DESIGN §3, as it travels in the log. Each operation applies itself to a {@link PoolState}
 * through the rules of its area ({@link PoolRules}, {@link HostRules}, {@link VmRules}, {@link StorageRules});
 * {@link Transition#apply} is the entry point. Values only: all ids and times are chosen before the command is
 * logged, never while it is applied.
 */
public sealed interface Operation {

    /** The xe command name ({@code vm-start}), used for events and messages. */
    String xeName();

    /** Applies this operation; the pool exists unless the operation creates one. Never throws. */
    Outcome applyTo(PoolState state, ApplyContext context);

    /** Whether this operation may be applied to a member that is in no pool. */
    default boolean createsPool() {
        return false;
    }

    /** What a host brings when it creates or joins a pool. */
    record HostSpec(HostId uuid, String nameLabel, String address, long memoryTotal, boolean witness) {
        public HostSpec {
            Objects.requireNonNull(uuid, "uuid");
            Objects.requireNonNull(nameLabel, "nameLabel");
            Objects.requireNonNull(address, "address");
        }
    }

    // --- pool

    record PoolCreate(PoolId pool, String nameLabel, HostSpec master, int maxVoters) implements Operation {
        public String xeName() {
            return "pool-create";
        }

        public boolean createsPool() {
            return true;
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.create(state, this);
        }
    }

    /**
     * A new host joins. The master proposes it once it verified the joiner's token (DESIGN §11); {@code
     * joinTokenId} names that token, and apply refuses the join if the token is unknown (revoked meanwhile) or
     * expired at the command's pool time.
     */
    record PoolJoin(HostSpec host, String joinTokenId) implements Operation {
        public PoolJoin {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(joinTokenId, "joinTokenId");
        }

        public String xeName() {
            return "pool-join";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.join(state, this, context);
        }
    }

    /**
     * Issues a join token: the caller made the id and the secret and sends only the secret's SHA-256 (lowercase
     * hex); it expires {@code validityMillis} after the command's pool time.
     */
    record PoolJoinTokenCreate(String id, String secretSha256, long validityMillis) implements Operation {
        public PoolJoinTokenCreate {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(secretSha256, "secretSha256");
        }

        public String xeName() {
            return "pool-join-token-create";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return JoinTokenRules.create(state, this, context);
        }
    }

    record PoolJoinTokenRevoke(String id) implements Operation {
        public PoolJoinTokenRevoke {
            Objects.requireNonNull(id, "id");
        }

        public String xeName() {
            return "pool-join-token-revoke";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return JoinTokenRules.revoke(state, this);
        }
    }

    record PoolEject(HostId host) implements Operation {
        public String xeName() {
            return "pool-eject";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.eject(state, this);
        }
    }

    /** Validates a planned master change; the runtime then transfers Raft leadership. Changes nothing. */
    record PoolDesignateNewMaster(HostId host) implements Operation {
        public String xeName() {
            return "pool-designate-new-master";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.designateNewMaster(state, this);
        }
    }

    record PoolParamSet(String key, String value) implements Operation {
        public String xeName() {
            return "pool-param-set";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.paramSet(state, this);
        }
    }

    /** {@code timeoutMillis} 0 keeps the current HA timeout. */
    record PoolHaEnable(long timeoutMillis) implements Operation {
        public String xeName() {
            return "pool-ha-enable";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.haEnable(state, this);
        }
    }

    record PoolHaDisable() implements Operation {
        public String xeName() {
            return "pool-ha-disable";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.haDisable(state);
        }
    }

    // --- hosts

    record HostForget(HostId host) implements Operation {
        public String xeName() {
            return "host-forget";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return HostRules.forget(state, this);
        }
    }

    record HostDeclareDead(HostId host) implements Operation {
        public String xeName() {
            return "host-declare-dead";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return HostRules.declareDead(state, this);
        }
    }

    record HostEnable(HostId host) implements Operation {
        public String xeName() {
            return "host-enable";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return HostRules.setEnabled(state, host, true);
        }
    }

    record HostDisable(HostId host) implements Operation {
        public String xeName() {
            return "host-disable";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return HostRules.setEnabled(state, host, false);
        }
    }

    record HostEvacuate(HostId host) implements Operation {
        public String xeName() {
            return "host-evacuate";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return HostRules.evacuate(state, this);
        }
    }

    // --- VMs

    record VmCreate(
            VmId vm,
            String nameLabel,
            long memory,
            int vcpus,
            Optional<HostId> affinity,
            HaRestartPriority haRestartPriority,
            long order)
            implements Operation {
        public String xeName() {
            return "vm-create";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmRules.create(state, this);
        }
    }

    record VmDestroy(VmId vm) implements Operation {
        public String xeName() {
            return "vm-destroy";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmRules.destroy(state, this);
        }
    }

    record VmParamSet(VmId vm, String key, String value) implements Operation {
        public String xeName() {
            return "vm-param-set";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmParams.set(state, this);
        }
    }

    record VmStart(VmId vm, Optional<HostId> on, boolean paused) implements Operation {
        public String xeName() {
            return "vm-start";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmRules.start(state, this);
        }
    }

    record VmShutdown(VmId vm, boolean force) implements Operation {
        public String xeName() {
            return "vm-shutdown";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmRules.shutdown(state, this);
        }
    }

    record VmReboot(VmId vm, boolean force) implements Operation {
        public String xeName() {
            return "vm-reboot";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmRules.reboot(state, this);
        }
    }

    record VmSuspend(VmId vm) implements Operation {
        public String xeName() {
            return "vm-suspend";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmRules.suspend(state, this);
        }
    }

    record VmResume(VmId vm, Optional<HostId> on) implements Operation {
        public String xeName() {
            return "vm-resume";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmRules.resume(state, this);
        }
    }

    record VmPause(VmId vm) implements Operation {
        public String xeName() {
            return "vm-pause";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmRules.pause(state, this);
        }
    }

    record VmUnpause(VmId vm) implements Operation {
        public String xeName() {
            return "vm-unpause";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmRules.unpause(state, this);
        }
    }

    record VmMigrate(VmId vm, HostId host) implements Operation {
        public String xeName() {
            return "vm-migrate";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmRules.migrate(state, this);
        }
    }

    /**
     * Second phase of an agent-backed VM operation: what the host agent answered. A failure carries the agent's
     * message (with the host) and whether the agent refused a stale fencing token, for the caller and the event
     * stream; neither changes what apply does.
     */
    record VmCompleteOperation(VmId vm, VmOperation operation, boolean succeeded, boolean staleToken, String message)
            implements Operation {
        public VmCompleteOperation {
            Objects.requireNonNull(message, "message");
        }

        public VmCompleteOperation(VmId vm, VmOperation operation, boolean succeeded) {
            this(vm, operation, succeeded, false, "");
        }

        public String xeName() {
            return "vm-complete-operation";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmCompletion.complete(state, this);
        }
    }

    record VmResetPowerstate(VmId vm, boolean force) implements Operation {
        public String xeName() {
            return "vm-reset-powerstate";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return VmRules.resetPowerstate(state, this);
        }
    }

    // --- storage

    record SrCreate(
            SrId sr,
            String nameLabel,
            String type,
            boolean shared,
            SortedMap<String, String> deviceConfig,
            SortedMap<HostId, PbdId> pbds)
            implements Operation {
        public SrCreate {
            deviceConfig = Collections.unmodifiableSortedMap(new TreeMap<>(deviceConfig));
            pbds = Collections.unmodifiableSortedMap(new TreeMap<>(pbds));
        }

        public String xeName() {
            return "sr-create";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return StorageRules.srCreate(state, this);
        }
    }

    record SrForget(SrId sr) implements Operation {
        public String xeName() {
            return "sr-forget";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return StorageRules.srForget(state, this);
        }
    }

    record PbdCreate(PbdId pbd, SrId sr, HostId host, SortedMap<String, String> deviceConfig) implements Operation {
        public PbdCreate {
            deviceConfig = Collections.unmodifiableSortedMap(new TreeMap<>(deviceConfig));
        }

        public String xeName() {
            return "pbd-create";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return StorageRules.pbdCreate(state, this);
        }
    }

    record PbdPlug(PbdId pbd) implements Operation {
        public String xeName() {
            return "pbd-plug";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return StorageRules.pbdPlug(state, this);
        }
    }

    record PbdUnplug(PbdId pbd) implements Operation {
        public String xeName() {
            return "pbd-unplug";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return StorageRules.pbdUnplug(state, this);
        }
    }

    record VdiCreate(VdiId vdi, SrId sr, String nameLabel, long virtualSize) implements Operation {
        public String xeName() {
            return "vdi-create";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return StorageRules.vdiCreate(state, this);
        }
    }

    record VdiDestroy(VdiId vdi) implements Operation {
        public String xeName() {
            return "vdi-destroy";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return StorageRules.vdiDestroy(state, this);
        }
    }

    record VbdCreate(VbdId vbd, VmId vm, VdiId vdi, String device) implements Operation {
        public String xeName() {
            return "vbd-create";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return StorageRules.vbdCreate(state, this);
        }
    }

    record VbdDestroy(VbdId vbd) implements Operation {
        public String xeName() {
            return "vbd-destroy";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return StorageRules.vbdDestroy(state, this);
        }
    }

    // --- internal: proposed only by the master runtime

    /** A new Raft leader records itself as pool master. */
    record PoolSetMaster(HostId host) implements Operation {
        public String xeName() {
            return "pool-set-master";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.setMaster(state, this);
        }
    }

    /** The liveness monitor's verdict on a host. */
    record HostSetLive(HostId host, boolean live) implements Operation {
        public String xeName() {
            return "host-set-live";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return HostRules.setLive(state, this);
        }
    }

    /**
     * HA's verdict on a host outside the surviving partition, proposed once its fence deadline has passed (DESIGN
     * §6): it has fenced itself, so it is not live and its VMs are Halted (the database only). Unlike
     * {@link HostDeclareDead} the host stays enabled: it is re-admitted when it comes back.
     */
    record HostFenced(HostId host) implements Operation {
        public String xeName() {
            return "host-fenced";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return HostRules.fenced(state, this);
        }
    }

    /**
     * An alert for the operator (DESIGN §4: {@code DEFAULT_SR_INVALID} after a transition to master). It changes
     * nothing; committing it puts it on every member's event stream in log order.
     */
    record PoolAlert(ErrorCode code, List<String> params) implements Operation {
        public PoolAlert {
            params = List.copyOf(params);
        }

        public String xeName() {
            return "pool-alert";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return Outcome.done(state);
        }
    }

    /** The master's HA loop records the failover plan's status when it changed (xapi's {@code update_pool_status}). */
    record PoolSetHaPlan(int planExistsFor, boolean overcommitted) implements Operation {
        public String xeName() {
            return "pool-set-ha-plan";
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return FailoverGuard.record(state, this);
        }
    }

    /**
     * First entry of a re-founded group (DESIGN §5): the survivor's state under a new generation and master. It
     * carries only the newest {@link AppliedRequests#IMPORT_LIMIT} request ids, so that it fits in one log entry (see
     * {@link AppliedRequests}, "Re-founded pools").
     */
    record PoolImport(PoolState imported, long generation, HostId master) implements Operation {
        public PoolImport {
            Objects.requireNonNull(imported, "imported");
            imported = imported.withRequests(imported.requests().newest(AppliedRequests.IMPORT_LIMIT));
        }

        public String xeName() {
            return "pool-import";
        }

        public boolean createsPool() {
            return true;
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.importState(state, this);
        }
    }

    /**
     * Opens a chunked import (DESIGN §5, an import too large for one log entry): the chunks that follow, then {@link
     * PoolImportCommit}, re-found the pool under {@code generation} with {@code master} as master. Only a member in
     * no pool takes it; a begin replaces an import still staged (one interrupted before its commit).
     *
     * @param importId names this import in its chunks and commit
     * @param chunks how many {@link PoolImportChunk}s follow (at least one: the one with the pool object)
     * @param objects how many objects the chunks hold together ({@link StagedImport#objectCount})
     */
    record PoolImportBegin(String importId, long generation, HostId master, int chunks, long objects)
            implements Operation {
        public PoolImportBegin {
            Objects.requireNonNull(importId, "importId");
            Objects.requireNonNull(master, "master");
        }

        public String xeName() {
            return "pool-import-begin";
        }

        public boolean createsPool() {
            return true;
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.importBegin(state, this);
        }
    }

    /**
     * Chunk number {@code index} (from 0, in order) of a chunked import: a part of the survivor's state. Exactly one
     * chunk holds the pool object, with the request window; the others hold objects only. A chunk already staged
     * (a resubmission) is answered as done and changes nothing.
     */
    record PoolImportChunk(String importId, int index, PoolState part) implements Operation {
        public PoolImportChunk {
            Objects.requireNonNull(importId, "importId");
            Objects.requireNonNull(part, "part");
        }

        public String xeName() {
            return "pool-import-chunk";
        }

        public boolean createsPool() {
            return true;
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.importChunk(state, this);
        }
    }

    /**
     * Ends a chunked import: once every announced chunk and object is staged, the staged state becomes the pool
     * exactly as a {@link PoolImport} of it would make it, in this one step.
     */
    record PoolImportCommit(String importId) implements Operation {
        public PoolImportCommit {
            Objects.requireNonNull(importId, "importId");
        }

        public String xeName() {
            return "pool-import-commit";
        }

        public boolean createsPool() {
            return true;
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return PoolRules.importCommit(state, this);
        }
    }

    /**
     * What the codec makes of bytes it cannot turn into an operation (garbage, a body this version does not know).
     * Replicas decode the same bytes the same way, so refusing it keeps them in step.
     */
    record Invalid(ErrorCode code, String detail) implements Operation {
        public String xeName() {
            return "invalid";
        }

        public boolean createsPool() {
            return true; // refused before anything else is checked, pool or not
        }

        public Outcome applyTo(PoolState state, ApplyContext context) {
            return Outcome.rejected(code, detail);
        }
    }
}
