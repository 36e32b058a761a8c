package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.Vm;
import java.time.Duration;
import java.util.Optional;

/** Pool operations: create, join, eject, master changes, parameters, HA arming, and the forced-transition import. */
final class PoolRules {
    private PoolRules() {}

    static Outcome create(PoolState state, Operation.PoolCreate op) {
        if (state.pool().isPresent()) {
            return Outcome.rejected(
                    ErrorCode.POOL_ALREADY_EXISTS, state.requirePool().uuid());
        }
        if (op.maxVoters() < 0) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "max-voters", op.maxVoters());
        }
        Optional<Outcome> badHost = checkHostSpec(op.master());
        if (badHost.isPresent()) {
            return badHost.get();
        }
        int maxVoters = op.maxVoters() == 0 ? Pool.DEFAULT_MAX_VOTERS : op.maxVoters();
        Pool pool = Pool.created(op.pool(), op.nameLabel(), maxVoters)
                .withMaster(op.master().uuid());
        HostRole role = op.master().witness() ? HostRole.WITNESS : HostRole.VOTER;
        return Outcome.done(state.withPool(pool).withHost(newHost(op.master(), role)));
    }

    static Outcome join(PoolState state, Operation.PoolJoin op, ApplyContext context) {
        if (state.requirePool().haEnabled()) {
            return Outcome.rejected(ErrorCode.HA_IS_ENABLED);
        }
        if (state.hosts().containsKey(op.host().uuid())) {
            return Outcome.rejected(
                    ErrorCode.UUID_ALREADY_EXISTS, "host", op.host().uuid());
        }
        Optional<Outcome> badToken = JoinTokenRules.refusal(state, op.joinTokenId(), context.issuedAtMillis());
        if (badToken.isPresent()) {
            return badToken.get();
        }
        Optional<Outcome> badHost = checkHostSpec(op.host());
        if (badHost.isPresent()) {
            return badHost.get();
        }
        Optional<HostRole> role = Membership.roleForJoiner(state, op.host().witness());
        if (role.isEmpty()) {
            return Outcome.rejected(
                    ErrorCode.VOTER_LIMIT_REACHED, state.requirePool().maxVoters());
        }
        return Outcome.applied(state.withHost(newHost(op.host(), role.get())), new Result.Joined(role.get()));
    }

    static Outcome eject(PoolState state, Operation.PoolEject op) {
        Host host = state.hosts().get(op.host());
        if (host == null) {
            return Refs.invalid("host", op.host());
        }
        if (state.isMaster(host.uuid())) {
            return Outcome.rejected(ErrorCode.CANNOT_EJECT_MASTER, host.uuid());
        }
        if (state.requirePool().haEnabled()) {
            return Outcome.rejected(ErrorCode.HA_IS_ENABLED);
        }
        Optional<Vm> resident = state.vmsUsing(host.uuid()).findFirst();
        if (resident.isPresent()) {
            return Outcome.rejected(
                    ErrorCode.HOST_HAS_RESIDENT_VMS, host.uuid(), resident.get().uuid());
        }
        return Outcome.done(Membership.remove(state, host.uuid()));
    }

    /** Checks a planned master change; Raft leadership transfer does the rest, so the state does not change. */
    static Outcome designateNewMaster(PoolState state, Operation.PoolDesignateNewMaster op) {
        Host host = state.hosts().get(op.host());
        if (host == null) {
            return Refs.invalid("host", op.host());
        }
        if (state.requirePool().haEnabled()) {
            return Outcome.rejected(ErrorCode.HA_IS_ENABLED);
        }
        if (!host.live()) {
            return Outcome.rejected(ErrorCode.HOST_OFFLINE, host.uuid());
        }
        if (!host.enabled()) {
            return Outcome.rejected(ErrorCode.HOST_DISABLED, host.uuid());
        }
        if (!host.role().votes()) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "host-uuid", host.uuid() + " is a listener");
        }
        return Outcome.done(state);
    }

    static Outcome paramSet(PoolState state, Operation.PoolParamSet op) {
        return PoolParams.set(state, op);
    }

    static Outcome haEnable(PoolState state, Operation.PoolHaEnable op) {
        Pool pool = state.requirePool();
        if (pool.haEnabled()) {
            return Outcome.rejected(ErrorCode.HA_IS_ENABLED);
        }
        // Below a second the HA heartbeats (at least every 100 ms) could not tell a partition from a late beat.
        if (op.timeoutMillis() < 0 || (op.timeoutMillis() > 0 && op.timeoutMillis() < 1_000)) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "ha-timeout", op.timeoutMillis());
        }
        Optional<Host> offline =
                state.hosts().values().stream().filter(h -> !h.live()).findFirst();
        if (offline.isPresent()) {
            return Outcome.rejected(ErrorCode.HOST_OFFLINE, offline.get().uuid());
        }
        Duration timeout = op.timeoutMillis() == 0 ? pool.haTimeout() : Duration.ofMillis(op.timeoutMillis());
        return Outcome.done(
                state.withPool(pool.withHa(true, pool.haHostFailuresToTolerate(), pool.haAllowOvercommit(), timeout)));
    }

    static Outcome haDisable(PoolState state) {
        Pool pool = state.requirePool();
        if (!pool.haEnabled()) {
            return Outcome.rejected(ErrorCode.HA_NOT_ENABLED);
        }
        return Outcome.done(state.withPool(
                pool.withHa(false, pool.haHostFailuresToTolerate(), pool.haAllowOvercommit(), pool.haTimeout())));
    }

    /** A new leader records itself; being leader proves it alive. */
    static Outcome setMaster(PoolState state, Operation.PoolSetMaster op) {
        Host host = state.hosts().get(op.host());
        if (host == null) {
            return Refs.invalid("host", op.host());
        }
        return Outcome.done(
                state.withPool(state.requirePool().withMaster(host.uuid())).withHost(host.withLive(true)));
    }

    /**
     * The first entry of a re-founded Raft group (DESIGN §5): the survivor's whole state, under a newer generation,
     * with the survivor as master. Only a member in no pool takes it (a new group starts empty).
     */
    static Outcome importState(PoolState state, Operation.PoolImport op) {
        if (state.pool().isPresent()) {
            return Outcome.rejected(
                    ErrorCode.POOL_ALREADY_EXISTS, state.requirePool().uuid());
        }
        Optional<Pool> imported = op.imported().pool();
        if (imported.isEmpty()) {
            return Outcome.rejected(ErrorCode.NO_POOL);
        }
        if (op.generation() <= imported.get().generation()) {
            return Outcome.rejected(
                    ErrorCode.POOL_GENERATION_STALE,
                    op.generation(),
                    imported.get().generation());
        }
        Host master = op.imported().hosts().get(op.master());
        if (master == null) {
            return Refs.invalid("host", op.master());
        }
        Pool pool = imported.get().withGeneration(op.generation()).withMaster(master.uuid());
        return Outcome.done(op.imported()
                .withRequests(op.imported().requests().renumberedBeforeZero())
                .withPool(pool)
                .withHost(master.withLive(true)));
    }

    /** Opens a chunked import ({@link StagedImport}); replaces one still staged. */
    static Outcome importBegin(PoolState state, Operation.PoolImportBegin op) {
        if (state.pool().isPresent()) {
            return Outcome.rejected(
                    ErrorCode.POOL_ALREADY_EXISTS, state.requirePool().uuid());
        }
        if (op.importId().isEmpty()) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "import-id", op.importId());
        }
        if (op.chunks() < 1) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "import-chunks", op.chunks());
        }
        if (op.objects() < 0) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "import-objects", op.objects());
        }
        return Outcome.done(state.withStaged(Optional.of(new StagedImport(
                op.importId(), op.generation(), op.master(), op.chunks(), op.objects(), 0, PoolState.empty()))));
    }

    /** Stages the next chunk of the open import. */
    static Outcome importChunk(PoolState state, Operation.PoolImportChunk op) {
        Optional<StagedImport> open = state.staged().filter(s -> s.importId().equals(op.importId()));
        if (open.isEmpty()) {
            return Outcome.rejected(ErrorCode.OPERATION_NOT_IN_PROGRESS, "pool-import", op.importId());
        }
        StagedImport staged = open.get();
        if (op.index() >= 0 && op.index() < staged.received()) {
            return Outcome.done(state); // resubmitted: staged already
        }
        if (op.index() != staged.received() || op.index() >= staged.chunks()) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "import-chunk", op.index());
        }
        Optional<StagedImport> next = staged.plus(op.part());
        if (next.isEmpty()) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "import-chunk", op.index());
        }
        return Outcome.done(state.withStaged(next));
    }

    /** Switches the staged import in whole, as {@link #importState} would import it, and drops the staging. */
    static Outcome importCommit(PoolState state, Operation.PoolImportCommit op) {
        Optional<StagedImport> open = state.staged().filter(s -> s.importId().equals(op.importId()));
        if (open.isEmpty()) {
            return Outcome.rejected(ErrorCode.OPERATION_NOT_IN_PROGRESS, "pool-import", op.importId());
        }
        StagedImport staged = open.get();
        if (staged.received() != staged.chunks()) {
            return Outcome.rejected(ErrorCode.INVALID_VALUE, "import-chunks", staged.received());
        }
        if (StagedImport.objectCount(staged.merged()) != staged.objects()) {
            return Outcome.rejected(
                    ErrorCode.INVALID_VALUE, "import-objects", StagedImport.objectCount(staged.merged()));
        }
        return importState(
                state.withStaged(Optional.empty()),
                new Operation.PoolImport(staged.merged(), staged.generation(), staged.master()));
    }

    private static Optional<Outcome> checkHostSpec(Operation.HostSpec spec) {
        if (spec.memoryTotal() < 0) {
            return Optional.of(Outcome.rejected(ErrorCode.INVALID_VALUE, "memory-total", spec.memoryTotal()));
        }
        if (spec.address().isBlank()) {
            return Optional.of(Outcome.rejected(ErrorCode.INVALID_VALUE, "address", spec.address()));
        }
        return Optional.empty();
    }

    private static Host newHost(Operation.HostSpec spec, HostRole role) {
        return new Host(spec.uuid(), spec.nameLabel(), spec.address(), true, true, spec.memoryTotal(), role);
    }
}
