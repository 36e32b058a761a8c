package io.poolkeeper.seed;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.SrSpec;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The seed's last master-failure paragraph (check the default SR after a transition to master) and the fault
 * harness: links cut per direction over real gRPC.
 */
@Timeout(120)
// Waits out failure timeouts most of its time: runs beside the other classes (its own tests one at a time).
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("DefaultSrAndPartitionTest")
class DefaultSrAndPartitionTest {
    @TempDir
    Path dir;

    private static List<PoolEvent> alerts(List<PoolEvent> events) {
        return events.stream().filter(e -> e.kind() == PoolEvent.Kind.ALERT).toList();
    }

    @Test
    void aNewMasterRaisesDefaultSrInvalidWhenTheDefaultSrIsNotAttachedThere() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            BlockingPool p = pool.pool(master);
            SortedMap<HostId, PbdId> pbds = new TreeMap<>();
            pool.hosts().forEach(h -> pbds.put(h, PbdId.random()));
            SrId sr = p.createSr(new SrSpec(SrId.random(), "shared", "nfs", true, new TreeMap<>(), pbds));
            p.setParam("default-SR", sr.toString());
            assertEquals(List.of(), p.read(ReadConsistency.LINEARIZABLE).alerts());
            List<PoolEvent> seen = new CopyOnWriteArrayList<>();
            int watcher = master;
            try (Subscription ignored = pool.member(watcher).pool().watch(0, seen::add)) {
                // A master change with a valid default SR raises nothing.
                int valid = pool.others(master).get(0);
                p.designateNewMaster(pool.host(valid));
                await().atMost(TestingPool.WAIT).until(() -> seen.stream()
                        .anyMatch(e -> e.name().equals("pool-set-master")
                                && e.params()
                                        .get("host")
                                        .equals(pool.host(valid).toString())));
                assertEquals(List.of(), alerts(seen));

                // The next master does not see the default SR: the alert.
                int broken = pool.others(master).get(1);
                pool.pool(valid).unplugPbd(pbds.get(pool.host(broken)));
                pool.pool(valid).designateNewMaster(pool.host(broken));

                await().atMost(TestingPool.WAIT).until(() -> !alerts(seen).isEmpty());
                PoolEvent alert = alerts(seen).get(0);
                assertEquals(ErrorCode.DEFAULT_SR_INVALID.name(), alert.name());
                assertEquals(Map.of("0", sr.toString()), alert.params());
                assertEquals(MemberRole.MASTER, pool.member(broken).role());
                assertEquals(
                        List.of(ErrorCode.DEFAULT_SR_INVALID),
                        pool.pool(watcher).read(ReadConsistency.LINEARIZABLE).alerts());
            }
        }
    }

    @Test
    void anIsolatedMasterLosesItsRoleAndTheMajorityGoesOnThenItReturnsAsASlave() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            RatisPoolMember isolated = pool.member(master);
            pool.isolate(master);

            await().atMost(TestingPool.WAIT).until(() -> pool.running()
                    .anyMatch(i -> i != master && pool.member(i).role() == MemberRole.MASTER));
            int next = pool.running()
                    .filter(i -> i != master && pool.member(i).role() == MemberRole.MASTER)
                    .findFirst()
                    .orElseThrow();
            assertNotEquals(master, next);
            pool.startVms(next, 1, java.util.Optional.of(pool.host(next)));
            // Cut off, the old master steps down and cannot commit; it never enters emergency mode silently: it
            // answers at once once the timeout passed.
            await().atMost(TestingPool.WAIT).until(() -> isolated.role() != MemberRole.MASTER);
            await().atMost(TestingPool.WAIT).until(isolated::isInEmergencyMode);
            assertEquals(
                    ErrorCode.HOST_IN_EMERGENCY_MODE,
                    assertThrows(
                                    PoolException.class,
                                    () -> isolated.pool().blocking().createVm(VmSpec.of("minority", 1L << 30, 1)))
                            .code());
            // The majority marks the isolated host dead: it heard no heartbeat.
            await().atMost(TestingPool.WAIT).until(() -> !pool.member(next)
                    .applied()
                    .state()
                    .hosts()
                    .get(pool.host(master))
                    .live());

            pool.healAll();

            await().atMost(TestingPool.WAIT).until(() -> isolated.role() == MemberRole.SLAVE);
            await().atMost(TestingPool.WAIT).until(() -> pool.member(next)
                    .applied()
                    .state()
                    .hosts()
                    .get(pool.host(master))
                    .live());
            assertTrue(isolated.applied().state().vms().values().stream()
                    .noneMatch(v -> v.nameLabel().equals("minority")));
            await().atMost(TestingPool.WAIT).until(() -> isolated.applied()
                    .state()
                    .vms()
                    .equals(pool.member(next).applied().state().vms()));
        }
    }
}
