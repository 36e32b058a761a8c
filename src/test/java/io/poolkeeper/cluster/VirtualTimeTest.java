package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.boot.MemberBuilder;
import io.poolkeeper.member.MemberState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.member.RoleState;
import io.poolkeeper.testing.ManualScheduler;
import io.poolkeeper.testing.Ports;
import io.poolkeeper.testing.SimulatedHypervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The member runtime runs on the time its {@link io.poolkeeper.port.Scheduler} gives it: with a manual one, a
 * slave that lost every other member enters emergency mode exactly when {@code emergency-after} has passed in
 * virtual time — a minute of the seed's timeout checked in well under a second of real time (Raft, which keeps
 * real time, elects no one without a majority).
 */
@Timeout(120)
class VirtualTimeTest {
    private static final Duration TICK = Duration.ofMillis(50);
    private static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(100),
            Duration.ofSeconds(2),
            Duration.ofSeconds(60),
            Duration.ofMillis(300),
            Duration.ofMillis(600),
            Duration.ofSeconds(5));

    @TempDir
    Path dir;

    private String joinToken;

    private RatisPoolMember member(int index, String join, ManualScheduler scheduler) {
        HostId host = HostId.of(String.format("%08d-0000-4000-8000-0000000000aa", index));
        MemberBuilder b = new MemberBuilder()
                .insecure()
                .hostUuid(host)
                .listenAddress("127.0.0.1:" + Ports.free())
                .raftPort(Ports.free())
                .storageDirectory(dir.resolve("host" + index))
                .memoryTotal(8L << 30)
                .timeouts(TIMEOUTS)
                .hostAgent(new SimulatedHypervisor(host, 8L << 30));
        if (scheduler != null) {
            b.scheduler(scheduler);
        }
        RatisPoolMember m =
                (join == null ? b.createPool("virtual") : b.joinPool(join).joinToken(joinToken)).build();
        m.start();
        return m;
    }

    @Test
    void emergencyModeComesExactlyAfterEmergencyAfterOfVirtualTime() {
        ManualScheduler clock = new ManualScheduler(0);
        List<RatisPoolMember> others = new ArrayList<>();
        RatisPoolMember x = null;
        try {
            others.add(member(1, null, null));
            await().until(() -> others.get(0).role() == MemberRole.MASTER);
            String master = others.get(0).serviceAddress();
            joinToken = others.get(0)
                    .pool()
                    .blocking()
                    .createJoinToken(Duration.ofHours(1))
                    .token();
            others.add(member(2, master, null));
            RatisPoolMember slave = member(3, master, clock);
            x = slave;
            List<RoleState.Change> changes = new CopyOnWriteArrayList<>();
            List<Long> at = new CopyOnWriteArrayList<>();
            slave.onRoleChange(c -> {
                changes.add(c);
                at.add(clock.nanos());
            });
            // Nothing moves until the clock does: the runtime's only tick is the manual one.
            await().until(() -> slave.applied().state().hosts().size() == 3);
            assertEquals(MemberState.NO_MASTER, slave.state());
            clock.advance(TICK);
            assertEquals(MemberState.SLAVE, slave.state());

            others.forEach(RatisPoolMember::kill);
            // Raft notices in real time that the leader is gone; each poll moves virtual time by one tick. The slave
            // may have led for a moment (the two others are killed one after the other): then its Raft still names
            // it leader just after its NO_MASTER, and a tick that sees that counts a master. So the clock counts from
            // when Raft names none either: the tick the member's watch starts at is this one or the next.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                if (slave.state() == MemberState.NO_MASTER && slave.raftLeader().isEmpty()) {
                    return true;
                }
                clock.advance(TICK);
                return false;
            });
            long noMasterSince = clock.nanos();

            clock.advance(Duration.ofSeconds(60).minus(TICK.multipliedBy(2)));
            assertEquals(MemberState.NO_MASTER, slave.state(), "emergency mode before emergency-after");
            clock.advance(TICK.multipliedBy(3));
            assertEquals(MemberState.EMERGENCY, slave.state());
            long inEmergencyAt = at.get(at.size() - 1);
            long waited = inEmergencyAt - noMasterSince;
            assertTrue(
                    waited >= Duration.ofSeconds(60).toNanos()
                            && waited <= Duration.ofSeconds(60).plus(TICK).toNanos(),
                    "emergency after " + Duration.ofNanos(waited));
            assertEquals(
                    ErrorCode.HOST_IN_EMERGENCY_MODE,
                    assertThrows(
                                    PoolException.class,
                                    () -> slave.pool().blocking().createVm(VmSpec.of("refused", 1L << 30, 1)))
                            .code());
            // (It may have been master for a moment in between: the two others are killed one after the other.)
            assertEquals(MemberState.EMERGENCY, changes.get(changes.size() - 1).to(), String.valueOf(changes));
        } finally {
            others.forEach(RatisPoolMember::kill);
            if (x != null) {
                x.kill();
            }
        }
    }
}
