package io.poolkeeper.ha;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.MemberState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member restarted cleanly with HA armed (an upgrade, a toolstack restart), then started again at once, well within
 * the HA span, comes back into the pool live and armed, and stays so: once a known bug of the nemesis's member
 * restarts (it fenced itself on its stale copy and was never re-admitted), here as a test of its own. A master that
 * stays down past the span is {@code HaPartitionTest}'s.
 */
@Timeout(150)
class HaMemberRestartTest {
    @TempDir
    Path dir;

    @Test
    void slavesAndTheMasterStoppedCleanlyAndStartedAgainAtOnceComeBackLiveAndArmed() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            pool.pool(pool.awaitMaster()).enableHa(Optional.of(Duration.ofSeconds(2)));
            await().atMost(TestingPool.WAIT).until(() -> pool.members().stream().allMatch(RatisPoolMember::haArmed));
            List<VmId> vms = new ArrayList<>();
            for (int i = 0; i < pool.size(); i++) {
                BlockingPool master = pool.pool(pool.awaitMaster());
                VmId vm = master.createVm(VmSpec.of("protected-on-" + i, 1L << 30, 1));
                master.setVmParam(vm, "ha-restart-priority", "restart");
                master.startVm(vm, Optional.of(pool.host(i)), false);
                vms.add(vm);
            }
            for (int round = 0; round < 4; round++) {
                // Slaves, then the master (which hands its mastership over first).
                int host = round < 2 ? pool.slaves().get(0) : pool.awaitMaster();
                pool.stop(host);
                pool.restart(host);
                await().atMost(TestingPool.WAIT).until(() -> backAndArmed(pool, host));
                // And it stays: no self-fence on a stale copy once T has passed. Asked of the hypervisors and the
                // member's state, not of backAndArmed, which a loaded machine's passing leader change or missed
                // heartbeat may turn false for a moment without anything being wrong.
                RatisPoolMember back = pool.member(host);
                await().during(Duration.ofSeconds(3))
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> fences(pool) == 0 && back.state() != MemberState.FENCED);
            }
            await().atMost(TestingPool.WAIT).until(() -> backAndArmed(pool, pool.awaitMaster()));
            assertEquals(0, fences(pool), "no host fenced itself");
            // A clean stop leaves the host's VMs running where they are: none was restarted elsewhere.
            for (int i = 0; i < pool.size(); i++) {
                assertEquals(Set.of(vms.get(i)), Set.copyOf(pool.hypervisor(i).listRunning()));
            }
            pool.assertNoVmEverRanTwice();
        }
    }

    private static long fences(TestingPool pool) {
        return IntStream.range(0, pool.size())
                .mapToLong(i -> pool.hypervisor(i).callCount("fence"))
                .sum();
    }

    private static boolean backAndArmed(TestingPool pool, int host) {
        Optional<Integer> master = pool.soleMaster();
        RatisPoolMember m = pool.member(host);
        return master.isPresent()
                && (m.state() == MemberState.SLAVE || m.state() == MemberState.MASTER)
                && pool.members().stream().allMatch(RatisPoolMember::haArmed)
                && pool.member(master.get()).applied().state().hosts().values().stream()
                        .allMatch(h -> h.live());
    }
}
