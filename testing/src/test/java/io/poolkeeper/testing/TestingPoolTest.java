package io.poolkeeper.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.RatisPoolMember;
import java.io.IOException;
import java.net.BindException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The test pool itself: hosts keep index, uuid, directory and ports across a crash; links are cut by index. */
@Timeout(120)
class TestingPoolTest {
    @TempDir
    Path dir;

    private static boolean live(RatisPoolMember viewer, HostId host) {
        return viewer.applied().state().hosts().get(host).live();
    }

    @Test
    void aStartedPoolHasEveryHostAndOneRecordedMaster() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();

            assertEquals(3, pool.size());
            assertEquals(List.of(0, 1, 2), pool.running().boxed().toList());
            assertEquals(HostId.of("00000002-0000-4000-8000-000000000000"), pool.host(1));
            assertEquals(1, pool.indexOf(pool.host(1)));
            assertEquals(pool.host(master), pool.member(master).hostId());
            assertEquals(Optional.of(master), pool.soleMaster());
            assertEquals(pool.others(master), pool.slaves());
            for (RatisPoolMember m : pool.members()) {
                assertEquals(
                        pool.hosts(), List.copyOf(m.applied().state().hosts().keySet()));
                assertTrue(m.applied().state().isMaster(pool.host(master)));
            }
            assertEquals(pool.addresses().get(master), pool.member(master).serviceAddress());
            assertEquals(pool.storage(1), dir.resolve("host2"));
        }
    }

    @Test
    void aKilledHostLosesItsVmsAndComesBackOnItsDirectoryAndPorts() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            int victim = pool.slaves().get(0);
            VmId vm = pool.startVms(master, 1, Optional.of(pool.host(victim))).get(0);
            assertTrue(pool.hypervisor(victim).runningVms().containsKey(vm));
            String address = pool.address(victim);

            pool.kill(victim);

            assertFalse(pool.isRunning(victim));
            assertThrows(IllegalStateException.class, () -> pool.member(victim));
            assertFalse(pool.hypervisor(victim).isPoweredOn());
            assertTrue(pool.hypervisor(victim).runningVms().isEmpty());
            await().atMost(TestingPool.WAIT).until(() -> !live(pool.member(master), pool.host(victim)));

            RatisPoolMember back = pool.restart(victim);

            assertEquals(address, back.serviceAddress());
            assertTrue(pool.hypervisor(victim).isPoweredOn());
            await().atMost(TestingPool.WAIT).until(() -> back.role() == MemberRole.SLAVE);
            await().atMost(TestingPool.WAIT).until(() -> live(pool.member(master), pool.host(victim)));
            assertTrue(back.applied().state().vms().containsKey(vm));
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    void anIsolatedMasterIsReplacedAndAHealedOneReturnsAsASlave() {
        try (TestingPool pool = TestingPool.start(dir, 3)) {
            int master = pool.awaitMaster();

            pool.isolate(master);

            await().atMost(TestingPool.WAIT).until(() -> pool.others(master).stream()
                    .anyMatch(i -> pool.member(i).role() == MemberRole.MASTER));
            int next = pool.others(master).stream()
                    .filter(i -> pool.member(i).role() == MemberRole.MASTER)
                    .findFirst()
                    .orElseThrow();
            VmId vm = pool.pool(next).createVm(VmSpec.of("majority", 1L << 30, 1));

            pool.healAll();

            await().atMost(TestingPool.WAIT).until(() -> pool.member(master).role() == MemberRole.SLAVE);
            assertEquals(next, pool.awaitMaster());
            assertNotEquals(master, next);
            await().atMost(TestingPool.WAIT)
                    .until(() -> pool.member(master).applied().state().vms().containsKey(vm));
        }
    }

    /** A free port whose next port is free too. */
    private static int twoFreePorts() throws IOException {
        while (true) {
            int port = Ports.free();
            try {
                new ServerSocket(port + 1).close();
                return port;
            } catch (BindException e) {
                // taken: try another
            }
        }
    }

    @Test
    void fixedPortsFromABasePort() throws IOException {
        int base = twoFreePorts();
        try (TestingPool pool = TestingPool.builder(dir).basePort(base).build()) {
            RatisPoolMember first = pool.add();

            assertEquals("127.0.0.1:" + base, pool.address(0));
            assertEquals("127.0.0.1:" + base, first.serviceAddress());
            assertEquals("127.0.0.1:" + (base + 1), first.raftAddress());
            pool.stop(0);
            assertFalse(pool.isRunning(0));
            assertEquals(List.of(), pool.members());
        }
    }
}
