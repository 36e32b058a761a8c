package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolRejectedException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Three real members on loopback: replication, master = leader, agent calls, remote clients. */
@Timeout(120)
class ReplicationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void threeMembersReplicateEveryWriteAndTheLeaderIsMaster() {
        try (TestingPool pool = TestingPool.builder(dir).build()) {
            RatisPoolMember first = pool.add();
            pool.add();
            pool.add();
            BlockingPool master = first.pool().blocking();

            await().atMost(WAIT).until(() -> pool.members().stream()
                    .allMatch(m -> m.applied().state().hosts().size() == 3));
            PoolView view = master.read(ReadConsistency.LINEARIZABLE);
            assertEquals(3, view.hosts().size());
            assertTrue(view.hosts().values().stream().allMatch(h -> h.role() == HostRole.VOTER && h.live()));
            HostId leader = view.pool().orElseThrow().master().orElseThrow();
            assertEquals(
                    1,
                    pool.members().stream()
                            .filter(m -> m.role() == MemberRole.MASTER)
                            .count());
            assertEquals(
                    leader,
                    pool.members().stream()
                            .filter(m -> m.role() == MemberRole.MASTER)
                            .findFirst()
                            .orElseThrow()
                            .hostId());

            VmId vm = master.createVm(VmSpec.of("web", 1L << 30, 2));
            HostId placed = pool.member(2).pool().blocking().startVm(vm, Optional.empty(), false);

            // The agent of the chosen host runs it, and every member's local copy equals the master's.
            int hostIndex = pool.indexOf(placed);
            assertTrue(pool.hypervisor(hostIndex).runningVms().containsKey(vm));
            PoolView after = master.read(ReadConsistency.LINEARIZABLE);
            assertEquals(PowerState.RUNNING, after.vm(vm).orElseThrow().powerState());
            await().atMost(WAIT).untilAsserted(() -> {
                for (RatisPoolMember m : pool.members()) {
                    PoolView local = m.pool().blocking().read(ReadConsistency.LOCAL);
                    assertEquals(after.vms(), local.vms());
                    assertEquals(after.hosts(), local.hosts());
                }
            });
            pool.assertNoVmEverRanTwice();
        }
    }

    @Test
    void anAgentFailureLeavesTheVmHaltedAndFailsTheCall() {
        try (TestingPool pool = TestingPool.builder(dir).build()) {
            RatisPoolMember first = pool.add();
            BlockingPool master = first.pool().blocking();
            VmId vm = master.createVm(VmSpec.of("db", 1L << 30, 1));
            pool.hypervisor(0).failNext("start");

            PoolRejectedException e =
                    assertThrows(PoolRejectedException.class, () -> master.startVm(vm, Optional.empty(), false));
            assertEquals(ErrorCode.HOST_AGENT_FAILED, e.code());
            var halted = master.read(ReadConsistency.LOCAL).vm(vm).orElseThrow();
            assertEquals(PowerState.HALTED, halted.powerState());
            assertTrue(halted.currentOperation().isEmpty());
            assertTrue(halted.scheduledToBeResidentOn().isEmpty());
        }
    }

    @Test
    void aRemoteClientGetsRefusalsWithCodesAndKeepsWorkingWhenItsMemberDies() {
        try (TestingPool pool = TestingPool.builder(dir).build()) {
            pool.add();
            pool.add();
            pool.add();
            await().atMost(WAIT).until(() -> pool.members().stream()
                    .allMatch(m -> m.applied().state().hosts().size() == 3));
            try (PoolClient client = GrpcPoolClient.builder()
                    .members(pool.addresses())
                    .transportSecurity(pool.clientSecurity())
                    .requestTimeout(Duration.ofSeconds(20))
                    .build()) {
                BlockingPool remote = client.pool().blocking();
                VmId vm = remote.createVm(VmSpec.of("app", 1L << 30, 1));
                PoolView before = remote.read(ReadConsistency.LINEARIZABLE);

                PoolRejectedException unknown = assertThrows(
                        PoolRejectedException.class, () -> remote.startVm(VmId.random(), Optional.empty(), false));
                assertEquals(ErrorCode.HANDLE_INVALID, unknown.code());
                PoolRejectedException badParam =
                        assertThrows(PoolRejectedException.class, () -> remote.setVmParam(vm, "memory", "lots"));
                assertEquals(ErrorCode.INVALID_VALUE, badParam.code());
                PoolRejectedException badKey =
                        assertThrows(PoolRejectedException.class, () -> remote.setParam("no-such-field", "x"));
                assertEquals(ErrorCode.UNKNOWN_FIELD, badKey.code());
                // Garbage fields straight over gRPC: a refusal with a code, never a crash of the member.
                var channel =
                        pool.clientSecurity().channel(pool.addresses().get(1)).build();
                try {
                    var reply = io.poolkeeper.proto.PoolServiceGrpc.newBlockingStub(channel)
                            .submit(io.poolkeeper.proto.SubmitRequest.newBuilder()
                                    .setCommand(io.poolkeeper.proto.PoolCommand.newBuilder()
                                            .setRequestId("garbage")
                                            .setVmStart(io.poolkeeper.proto.VmStart.newBuilder()
                                                    .setVmUuid("not-a-uuid")))
                                    .build());
                    assertEquals(
                            ErrorCode.MALFORMED_COMMAND.name(),
                            reply.getResult().getRejected().getCode());
                    var empty = io.poolkeeper.proto.PoolServiceGrpc.newBlockingStub(channel)
                            .submit(io.poolkeeper.proto.SubmitRequest.getDefaultInstance());
                    assertEquals(
                            ErrorCode.UNKNOWN_OPERATION.name(),
                            empty.getResult().getRejected().getCode());
                } finally {
                    channel.shutdownNow();
                }
                PoolView unchanged = remote.read(ReadConsistency.LINEARIZABLE);
                assertEquals(before.vms(), unchanged.vms());
                assertEquals(before.pool(), unchanged.pool());

                // The member the client used first goes away; the client moves on by itself.
                pool.stop(0);
                VmId second = remote.createVm(VmSpec.of("app2", 1L << 30, 1));
                assertTrue(remote.read(ReadConsistency.LINEARIZABLE).vm(second).isPresent());
            }
        }
    }
}
