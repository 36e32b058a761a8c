package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.boot.MemberBuilder;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.proto.EmergencyResetMasterRequest;
import io.poolkeeper.proto.HeartbeatRequest;
import io.poolkeeper.proto.PoolCommand;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.SubmitReply;
import io.poolkeeper.proto.SubmitRequest;
import io.poolkeeper.proto.VmCreate;
import io.poolkeeper.rpc.FaultInterceptors;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.testing.Ports;
import io.poolkeeper.testing.SimulatedHypervisor;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pool identity (DESIGN §8) between real members over gRPC: two pools, and addresses that move from one to the
 * other. A client serves one pool and never uses another pool's member; a member refuses another pool's requests,
 * member-to-member heartbeats included, and changes nothing.
 *
 * <p>In plain text: pools with different CAs never get past the TLS handshake (the security tests show it), so
 * identity is what separates pools sharing a CA, or insecure ones.
 */
@Timeout(90)
class PoolIdentityTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The host of pool B's member: another pool's host, with a uuid pool A also uses. */
    private static final HostId B_HOST = HostId.of("00000001-0000-4000-8000-000000000000");

    @TempDir
    Path dir;

    @Test
    void aClientRefusesTheMemberOfAnotherPoolNowServingItsAddress() {
        try (TestingPool a = TestingPool.builder(dir.resolve("a")).insecure().build()) {
            RatisPoolMember a0 = a.add();
            awaitMaster(a0);
            String address = a0.serviceAddress();
            String poolA = poolOf(a0);
            try (GrpcPoolClient client = GrpcPoolClient.builder()
                    .insecure()
                    .members(List.of(address))
                    .requestTimeout(Duration.ofSeconds(5))
                    .build()) {
                // A first contact: the client learns its pool from the answer.
                client.pool().blocking().createVm(VmSpec.of("before", 1L << 30, 1));
                assertEquals(Optional.of(PoolId.of(poolA)), client.poolUuid());

                // The host is re-provisioned: its member closed, a member of a new pool B on the same address.
                a.member(0).close();
                try (RatisPoolMember b0 = startPoolB(address)) {
                    awaitMaster(b0);
                    String poolB = poolOf(b0);
                    PoolState bBefore = b0.applied().state();

                    PoolException write = assertThrows(
                            PoolException.class,
                            () -> client.pool().blocking().createVm(VmSpec.of("after", 1L << 30, 1)));
                    assertEquals(ErrorCode.POOL_MISMATCH, write.code(), write.getMessage());
                    assertTrue(
                            write.getMessage().contains(address + " serves pool " + poolB),
                            "names the address and the pool it serves: " + write.getMessage());
                    PoolException read = assertThrows(
                            PoolException.class, () -> client.pool().blocking().read(ReadConsistency.LOCAL));
                    assertEquals(ErrorCode.POOL_MISMATCH, read.code());

                    // Pool B itself: nothing applied, still master of its first generation.
                    PoolState bAfter = b0.applied().state();
                    assertEquals(bBefore.vms(), bAfter.vms());
                    assertTrue(bAfter.vms().isEmpty());
                    assertEquals(MemberRole.MASTER, b0.role());
                    assertEquals(1, b0.generation());
                    assertEquals(Optional.of(PoolId.of(poolA)), client.poolUuid(), "still pinned to pool A");
                }
            }
        }
    }

    @Test
    void aStaleAddressListAndRequestsForAnotherPoolChangeNothingThere() {
        try (TestingPool a = TestingPool.builder(dir.resolve("a")).insecure().build();
                RatisPoolMember b0 = startPoolB("127.0.0.1:" + Ports.free())) {
            RatisPoolMember a0 = a.add();
            awaitMaster(a0);
            awaitMaster(b0);
            String poolA = poolOf(a0);
            String poolB = poolOf(b0);
            PoolState bBefore = b0.applied().state();

            // A client of pool A given a list that starts with pool B's member writes to pool A only.
            try (GrpcPoolClient client = GrpcPoolClient.builder()
                    .insecure()
                    .members(List.of(b0.serviceAddress(), a0.serviceAddress()))
                    .poolUuid(PoolId.of(poolA))
                    .requestTimeout(Duration.ofSeconds(5))
                    .build()) {
                VmId vm = client.pool().blocking().createVm(VmSpec.of("web", 1L << 30, 1));
                assertTrue(a0.applied().state().vms().containsKey(vm));
                assertEquals(bBefore.vms(), b0.applied().state().vms());

                PoolException role = assertThrows(PoolException.class, () -> client.roleOf(b0.serviceAddress()));
                assertEquals(ErrorCode.POOL_MISMATCH, role.code());
                // Resetting pool B's member to pool A's master would make it leave its pool: refused by it.
                PoolException reset = assertThrows(
                        PoolException.class,
                        () -> client.emergencyResetMaster(b0.serviceAddress(), a0.serviceAddress()));
                assertEquals(ErrorCode.POOL_MISMATCH, reset.code(), reset.getMessage());
            }
            try (GrpcPoolClient onlyB = GrpcPoolClient.builder()
                    .insecure()
                    .members(List.of(b0.serviceAddress()))
                    .poolUuid(PoolId.of(poolA))
                    .requestTimeout(Duration.ofSeconds(5))
                    .build()) {
                PoolException none = assertThrows(
                        PoolException.class, () -> onlyB.pool().blocking().createVm(VmSpec.of("x", 1L << 30, 1)));
                assertEquals(ErrorCode.POOL_MISMATCH, none.code());
                assertTrue(none.getMessage().contains("no member given serves pool " + poolA), none.getMessage());
            }

            ManagedChannel channel = NettyChannelBuilder.forTarget(b0.serviceAddress())
                    .usePlaintext()
                    .intercept(FaultInterceptors.caller(a.host(0).toString()))
                    .build();
            try {
                var stub = PoolServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
                SubmitRequest create = SubmitRequest.newBuilder()
                        .setCommand(PoolCommand.newBuilder()
                                .setRequestId("identity-test")
                                .setVmCreate(VmCreate.newBuilder()
                                        .setVmUuid(VmId.random().toString())
                                        .setNameLabel("stray")
                                        .setMemory(1L << 30)
                                        .setVcpus(1)))
                        .setPoolUuid(poolA)
                        .build();
                assertRefused(() -> stub.submit(create), poolA, poolB);

                // Pool A's member heartbeats, as members do, to what it takes for its master: with a newer
                // generation than pool B's, which would make B's master stale if it listened.
                HeartbeatRequest heartbeat = HeartbeatRequest.newBuilder()
                        .setHostUuid(B_HOST.toString())
                        .setGeneration(b0.generation() + 5)
                        .setPoolUuid(poolA)
                        .build();
                assertRefused(() -> stub.heartbeat(heartbeat), poolA, poolB);
                assertRefused(
                        () -> stub.emergencyResetMaster(EmergencyResetMasterRequest.newBuilder()
                                .setMasterAddress(a0.serviceAddress())
                                .setGeneration(a0.generation())
                                .setPoolUuid(poolA)
                                .build()),
                        poolA,
                        poolB);

                assertEquals(bBefore.vms(), b0.applied().state().vms());
                assertEquals(MemberRole.MASTER, b0.role());
                assertEquals(0, b0.staleBy());
                assertEquals(1, b0.generation());

                // The same write naming no pool is a first contact: served, and the answer names pool B.
                SubmitReply served =
                        stub.submit(create.toBuilder().clearPoolUuid().build());
                assertTrue(!served.getResult().hasRejected(), served.toString());
                assertEquals(poolB, served.getPoolUuid());
                assertEquals(
                        bBefore.vms().size() + 1, b0.applied().state().vms().size());
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static void assertRefused(Runnable call, String requested, String served) {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        String description = refused.getStatus().getDescription();
        assertTrue(description.startsWith(ErrorCode.POOL_MISMATCH.name() + ":"), description);
        assertTrue(description.contains(requested) && description.contains(served), description);
    }

    /** A one-member pool B on {@code address}, its Raft port from the shared allocator. */
    private RatisPoolMember startPoolB(String address) {
        RatisPoolMember member = new MemberBuilder()
                .insecure()
                .hostUuid(B_HOST)
                .nameLabel("b-host1")
                .listenAddress(address)
                .raftPort(Ports.free())
                .storageDirectory(dir.resolve("b"))
                .memoryTotal(TestingPool.HOST_MEMORY)
                .timeouts(TestingPool.TIMEOUTS)
                .hostAgent(new SimulatedHypervisor(B_HOST, TestingPool.HOST_MEMORY))
                .createPool("pool-b")
                .build();
        member.start();
        return member;
    }

    private static void awaitMaster(RatisPoolMember member) {
        await().atMost(WAIT)
                .until(() -> member.role() == MemberRole.MASTER
                        && member.applied()
                                .state()
                                .pool()
                                .flatMap(p -> p.master())
                                .isPresent());
    }

    private static String poolOf(RatisPoolMember member) {
        return member.applied().state().requirePool().uuid().toString();
    }
}
