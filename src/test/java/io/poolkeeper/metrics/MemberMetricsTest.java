package io.poolkeeper.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolRejectedException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-member pool, each member with its own registry: the meters show what the pool reads (VMs by power state, hosts
 * live, commands by operation, a rejection under its code, agent calls), the role gauges name the master
 * {@code awaitMaster} finds, pool HA shows its liveset, and pulling the master's cable shows its self-fence deadline
 * counting down, then counts a leader change on the survivors and moves the role. One pool for all: a pool's start
 * and close cost more than its checks.
 */
@Timeout(90)
class MemberMetricsTest {
    private static final Duration WAIT = TestingPool.WAIT;
    private static final Duration HA_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    @Test
    void metersShowThePoolItsHaStateAndAFailover() {
        List<MeterRegistry> registries =
                List.of(new SimpleMeterRegistry(), new SimpleMeterRegistry(), new SimpleMeterRegistry());
        try (TestingPool pool =
                TestingPool.builder(dir).meterRegistries(registries::get).start(3)) {
            int master = pool.awaitMaster();
            await().atMost(WAIT).untilAsserted(() -> {
                for (int i = 0; i < 3; i++) {
                    assertEquals(i == master ? 1.0 : 0.0, role(registries.get(i), "MASTER"), "MASTER gauge of " + i);
                    assertEquals(i == master ? 0.0 : 1.0, role(registries.get(i), "SLAVE"), "SLAVE gauge of " + i);
                }
            });

            int via = pool.slaves().get(0);
            BlockingPool writes = pool.pool(via);
            List<VmId> started = pool.startVms(via, 2, Optional.empty());
            writes.createVm(VmSpec.of("idle", 1L << 30, 1));
            PoolView view = writes.read(ReadConsistency.LINEARIZABLE);
            long running = view.vms().values().stream()
                    .filter(vm -> vm.powerState() == PowerState.RUNNING)
                    .count();
            assertEquals(2, running);
            await().atMost(WAIT).untilAsserted(() -> {
                for (MeterRegistry r : registries) {
                    assertEquals(running, vms(r, PowerState.RUNNING));
                    assertEquals(1.0, vms(r, PowerState.HALTED));
                    assertEquals(3.0, gauge(r, "poolkeeper.hosts", "state", "live"));
                    assertEquals(0.0, gauge(r, "poolkeeper.hosts", "state", "dead"));
                }
            });

            MeterRegistry viaMeters = registries.get(via);
            assertEquals(3, applied(viaMeters, "vm_create").count());
            assertEquals(2, applied(viaMeters, "vm_start").count());
            assertTrue(applied(viaMeters, "vm_start").totalTime(TimeUnit.NANOSECONDS) > 0);
            // Each start reached one host's agent, and each of those calls was timed there.
            double agentStarts = registries.stream()
                    .mapToDouble(r ->
                            r.find("poolkeeper.agent.calls").tags("call", "start", "outcome", "ok").timers().stream()
                                    .mapToLong(Timer::count)
                                    .sum())
                    .sum();
            assertEquals(2.0, agentStarts);
            assertTrue(viaMeters.get("poolkeeper.batch.commands").summary().count() >= 5);

            PoolRejectedException refused = assertThrows(
                    PoolRejectedException.class, () -> writes.startVm(started.get(0), Optional.empty(), false));
            assertEquals(ErrorCode.VM_BAD_POWER_STATE, refused.code());
            assertEquals(1.0, rejected(viaMeters, "vm_start", refused.code()));

            for (MeterRegistry r : registries) {
                double term = gauge(r, "poolkeeper.raft.term");
                double commit = gauge(r, "poolkeeper.raft.commit.index");
                assertTrue(term >= 1, "term " + term);
                assertTrue(commit >= 1, "commit index " + commit);
                assertEquals(0.0, gauge(r, "poolkeeper.ha.armed"));
            }

            // Pool HA on: every member holds the liveset of 3 and survives.
            pool.pool(master).enableHa(Optional.of(HA_TIMEOUT));
            await().atMost(WAIT).untilAsserted(() -> {
                for (MeterRegistry r : registries) {
                    assertEquals(1.0, gauge(r, "poolkeeper.ha.armed"));
                    assertEquals(3.0, gauge(r, "poolkeeper.ha.liveset"));
                    assertEquals(1.0, gauge(r, "poolkeeper.ha.surviving"));
                    assertTrue(Double.isNaN(gauge(r, "poolkeeper.ha.fence.deadline.seconds")));
                }
            });

            // The master's cable pulled: alone, it is outside every surviving partition, so its deadline counts down
            // within the fence window (T/2) and it fences itself; the two others elect a new master.
            List<Integer> survivors = pool.others(master);
            double[] before = survivors.stream()
                    .mapToDouble(i -> leaderChanges(registries.get(i)))
                    .toArray();
            MeterRegistry cutMeters = registries.get(master);
            pool.isolate(master);
            double window = HA_TIMEOUT.toMillis() / 2000.0;
            await().atMost(WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(
                            () -> gauge(cutMeters, "poolkeeper.ha.fence.deadline.seconds"),
                            left -> left >= 0 && left <= window);
            await().atMost(WAIT).until(() -> role(cutMeters, "FENCED") == 1.0);
            int next = pool.awaitMaster();
            assertTrue(survivors.contains(next));
            await().atMost(WAIT).untilAsserted(() -> {
                for (int k = 0; k < survivors.size(); k++) {
                    int i = survivors.get(k);
                    MeterRegistry r = registries.get(i);
                    assertTrue(leaderChanges(r) > before[k], "leader changes on " + i);
                    assertEquals(i == next ? 1.0 : 0.0, role(r, "MASTER"), "MASTER gauge of " + i);
                    assertEquals(1.0, gauge(r, "poolkeeper.ha.surviving"), "survivor " + i);
                    assertTrue(Double.isNaN(gauge(r, "poolkeeper.ha.fence.deadline.seconds")));
                }
            });

            pool.kill(master);
            // The killed member took its meters with it: no stale role on a registry that outlives it.
            assertNull(cutMeters.find("poolkeeper.member.role").gauge());
            pool.assertNoVmEverRanTwice();
        }
        // The library leaves JVM-wide state alone: nothing of a member on the global registry.
        assertTrue(
                Metrics.globalRegistry.find("poolkeeper.member.role").gauges().isEmpty());
    }

    private static double role(MeterRegistry r, String role) {
        return gauge(r, "poolkeeper.member.role", "role", role);
    }

    private static double vms(MeterRegistry r, PowerState state) {
        return gauge(r, "poolkeeper.vms", "power_state", state.name().toLowerCase(Locale.ROOT));
    }

    private static double gauge(MeterRegistry r, String name, String... tags) {
        Gauge g = r.find(name).tags(tags).gauge();
        return g == null ? Double.NaN : g.value();
    }

    private static Timer applied(MeterRegistry r, String operation) {
        return r.get("poolkeeper.commands")
                .tags("operation", operation, "outcome", "applied")
                .timer();
    }

    private static double rejected(MeterRegistry r, String operation, ErrorCode code) {
        Counter c = r.find("poolkeeper.commands.rejected")
                .tags("operation", operation, "code", code.name())
                .counter();
        return c == null ? 0 : c.count();
    }

    private static double leaderChanges(MeterRegistry r) {
        Counter c = r.find("poolkeeper.raft.leader.changes").counter();
        return c == null ? 0 : c.count();
    }
}
