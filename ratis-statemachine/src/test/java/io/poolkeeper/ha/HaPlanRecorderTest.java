package io.poolkeeper.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.PoolState;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link HaPlanRecorder}: records {@code ha-plan-exists-for}/{@code ha-overcommitted} when they change, with an alert
 * when overcommit starts, and proposes nothing for a state already checked or already up to date.
 */
@Timeout(30)
class HaPlanRecorderTest {
    private static final long GIB = 1L << 30;

    /** Two 8 GiB hosts; a protected 4 GiB VM on host 1; HA on with {@code ntol}; the plan recorded as given. */
    private static PoolState pool(int ntol, int recordedFor, boolean recordedOvercommitted, long vmGib) {
        Pool pool = Pool.created(new PoolId(new UUID(0, 1)), "p", 5);
        HostId h1 = new HostId(new UUID(1, 1));
        return PoolState.empty()
                .withPool(
                        pool.withHa(true, ntol, false, pool.haTimeout()).withHaPlan(recordedFor, recordedOvercommitted))
                .withHost(new Host(h1, "h1", "h1:1", true, true, 8 * GIB, HostRole.VOTER))
                .withHost(new Host(new HostId(new UUID(1, 2)), "h2", "h2:1", true, true, 8 * GIB, HostRole.VOTER))
                .withVm(new Vm(
                        new VmId(new UUID(2, 1)),
                        "vm",
                        PowerState.RUNNING,
                        Optional.of(h1),
                        Optional.empty(),
                        Optional.empty(),
                        vmGib * GIB,
                        1,
                        HaRestartPriority.RESTART,
                        true,
                        0,
                        Optional.empty()));
    }

    @Test
    void recordsAChangedStatusOnce() {
        RecordingEnvironment env = new RecordingEnvironment();
        HaPlanRecorder recorder = new HaPlanRecorder(env);
        PoolState state = pool(1, 0, false, 4);
        recorder.update(state);
        assertEquals(List.of("pool-set-ha-plan 1 false"), env.drain());
        recorder.update(state);
        assertEquals(List.of(), env.drain(), "the same copy is not checked twice");
        recorder.update(pool(1, 1, false, 4));
        assertEquals(List.of(), env.drain(), "already recorded");
    }

    @Test
    void overcommitStartingRaisesAnAlertFirst() {
        RecordingEnvironment env = new RecordingEnvironment();
        HaPlanRecorder recorder = new HaPlanRecorder(env);
        recorder.update(pool(1, 1, false, 8));
        assertEquals(List.of(), env.drain(), "8 GiB still fits on host 2");
        // 9 GiB (overcommitting host 1 already) fits nowhere once host 1 fails: no plan for 1 failure.
        recorder.update(pool(1, 1, false, 9));
        assertEquals(List.of("alert HA_POOL_OVERCOMMITTED [1, 0]", "pool-set-ha-plan 0 true"), env.drain());
    }
}
