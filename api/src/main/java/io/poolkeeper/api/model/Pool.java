package io.poolkeeper.api.model;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The pool object (XenAPI {@code pool}). Immutable value.
 *
 * @param uuid the pool's id
 * @param nameLabel its name
 * @param master the host currently recorded as master (the Raft leader), empty before one is recorded
 * @param defaultSr the default storage repository, if set
 * @param generation the configuration epoch, +1 on every forced reconfiguration
 * @param haEnabled whether pool HA is armed
 * @param haHostFailuresToTolerate HA's target number of host failures to plan for
 * @param haPlanExistsFor the number of failures the planner can currently guarantee
 * @param haOvercommitted whether no plan exists for {@code haHostFailuresToTolerate}
 * @param haAllowOvercommit whether operations may break the failover plan
 * @param haTimeout HA's base timeout T
 * @param maxVoters hosts beyond this many voters join as listeners
 */
public record Pool(
        PoolId uuid,
        String nameLabel,
        Optional<HostId> master,
        Optional<SrId> defaultSr,
        long generation,
        boolean haEnabled,
        int haHostFailuresToTolerate,
        int haPlanExistsFor,
        boolean haOvercommitted,
        boolean haAllowOvercommit,
        Duration haTimeout,
        int maxVoters) {

    /** The default {@link #maxVoters()}. */
    public static final int DEFAULT_MAX_VOTERS = 5;

    /** The default HA timeout T (DESIGN §6). */
    public static final Duration DEFAULT_HA_TIMEOUT = Duration.ofSeconds(30);

    public Pool {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(nameLabel, "nameLabel");
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(defaultSr, "defaultSr");
        Objects.requireNonNull(haTimeout, "haTimeout");
    }

    /** A new pool of generation 1 with HA off and no master recorded yet. */
    public static Pool created(PoolId uuid, String nameLabel, int maxVoters) {
        return new Pool(
                uuid,
                nameLabel,
                Optional.empty(),
                Optional.empty(),
                1,
                false,
                0,
                0,
                false,
                false,
                DEFAULT_HA_TIMEOUT,
                maxVoters);
    }

    public Pool withMaster(HostId newMaster) {
        return new Pool(
                uuid,
                nameLabel,
                Optional.of(newMaster),
                defaultSr,
                generation,
                haEnabled,
                haHostFailuresToTolerate,
                haPlanExistsFor,
                haOvercommitted,
                haAllowOvercommit,
                haTimeout,
                maxVoters);
    }

    public Pool withNameLabel(String newNameLabel) {
        return new Pool(
                uuid,
                newNameLabel,
                master,
                defaultSr,
                generation,
                haEnabled,
                haHostFailuresToTolerate,
                haPlanExistsFor,
                haOvercommitted,
                haAllowOvercommit,
                haTimeout,
                maxVoters);
    }

    public Pool withDefaultSr(Optional<SrId> newDefaultSr) {
        return new Pool(
                uuid,
                nameLabel,
                master,
                newDefaultSr,
                generation,
                haEnabled,
                haHostFailuresToTolerate,
                haPlanExistsFor,
                haOvercommitted,
                haAllowOvercommit,
                haTimeout,
                maxVoters);
    }

    public Pool withGeneration(long newGeneration) {
        return new Pool(
                uuid,
                nameLabel,
                master,
                defaultSr,
                newGeneration,
                haEnabled,
                haHostFailuresToTolerate,
                haPlanExistsFor,
                haOvercommitted,
                haAllowOvercommit,
                haTimeout,
                maxVoters);
    }

    /** HA settings replaced as a group; the rest unchanged. */
    public Pool withHa(boolean enabled, int failuresToTolerate, boolean allowOvercommit, Duration timeout) {
        return new Pool(
                uuid,
                nameLabel,
                master,
                defaultSr,
                generation,
                enabled,
                failuresToTolerate,
                haPlanExistsFor,
                haOvercommitted,
                allowOvercommit,
                timeout,
                maxVoters);
    }

    /** The failover plan's status as the planner last computed it; the rest unchanged. */
    public Pool withHaPlan(int planExistsFor, boolean overcommitted) {
        return new Pool(
                uuid,
                nameLabel,
                master,
                defaultSr,
                generation,
                haEnabled,
                haHostFailuresToTolerate,
                planExistsFor,
                overcommitted,
                haAllowOvercommit,
                haTimeout,
                maxVoters);
    }
}
