package io.poolkeeper.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.proto.EmergencyResetMasterRequest;
import io.poolkeeper.proto.EmergencyTransitionRequest;
import io.poolkeeper.proto.HaHeartbeatRequest;
import io.poolkeeper.proto.HeartbeatRequest;
import io.poolkeeper.proto.HostSpec;
import io.poolkeeper.proto.JoinRequest;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.ReadConsistency;
import io.poolkeeper.proto.ReadRequest;
import io.poolkeeper.proto.RecoverSlavesRequest;
import io.poolkeeper.proto.SubmitBatchRequest;
import io.poolkeeper.proto.SubmitRequest;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.rpc.TransportSecurity;
import io.poolkeeper.testing.TestingPool;
import io.poolkeeper.tls.CertificateRole;
import io.poolkeeper.tls.PoolCertificateAuthority;
import io.poolkeeper.tls.TlsCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on a pool of real members (DESIGN §11): a stranger with no certificate and one with a certificate of
 * another pool get nothing from either port — no join, submit, read, heartbeat or emergency call — and change
 * nothing; a client's certificate reads and submits but cannot make the calls only members make, nor speak Raft.
 */
@Timeout(120)
class TransportSecurityTest {
    @TempDir
    static Path dir;

    private static TestingPool pool;

    @BeforeAll
    static void startPool() {
        pool = TestingPool.builder(dir.resolve("pool")).start(3);
    }

    @AfterAll
    static void closePool() {
        if (pool != null) {
            pool.close();
        }
    }

    /** What a stranger must not change: on every member, the hosts, the Raft peers, the VMs and the log position. */
    private static Map<HostId, List<Object>> footprint() {
        Map<HostId, List<Object>> all = new LinkedHashMap<>();
        for (RatisPoolMember m : pool.members()) {
            all.put(
                    m.hostId(),
                    List.of(
                            Set.copyOf(m.applied().state().hosts().keySet()),
                            Set.copyOf(m.raftPeers()),
                            Set.copyOf(m.applied().state().vms().keySet())));
        }
        return all;
    }

    /** Every PoolService call a stranger could try, by name, each with a small deadline. */
    private static Map<String, Function<PoolServiceGrpc.PoolServiceBlockingStub, Object>> calls() {
        Map<String, Function<PoolServiceGrpc.PoolServiceBlockingStub, Object>> calls = new LinkedHashMap<>();
        calls.put(
                "Join",
                s -> s.join(JoinRequest.newBuilder()
                        .setHost(HostSpec.newBuilder()
                                .setUuid("0000dead-0000-4000-8000-000000000000")
                                .setNameLabel("intruder")
                                .setAddress("127.0.0.1:1")
                                .setMemoryTotal(1L << 30))
                        .setRaftAddress("127.0.0.1:2")
                        .build()));
        calls.put(
                "Submit",
                s -> s.submit(SubmitRequest.newBuilder()
                        .setCommand(io.poolkeeper.proto.PoolCommand.newBuilder()
                                .setVmCreate(io.poolkeeper.proto.VmCreate.newBuilder()
                                        .setNameLabel("intruder")
                                        .setMemory(1L << 30)
                                        .setVcpus(1)))
                        .build()));
        calls.put(
                "SubmitBatch",
                s -> s.submitBatch(SubmitBatchRequest.newBuilder()
                        .addCommands(io.poolkeeper.proto.PoolCommand.newBuilder()
                                .setVmCreate(io.poolkeeper.proto.VmCreate.newBuilder()
                                        .setNameLabel("intruder")
                                        .setMemory(1L << 30)
                                        .setVcpus(1)))
                        .build()));
        calls.put(
                "Read",
                s -> s.read(ReadRequest.newBuilder()
                        .setConsistency(ReadConsistency.LINEARIZABLE)
                        .build()));
        calls.put(
                "Heartbeat",
                s -> s.heartbeat(HeartbeatRequest.newBuilder()
                        .setHostUuid(pool.host(1).toString())
                        .setShuttingDown(true)
                        .build()));
        calls.put(
                "HaHeartbeat",
                s -> s.haHeartbeat(HaHeartbeatRequest.newBuilder()
                        .setHostUuid(pool.host(1).toString())
                        .build()));
        calls.put(
                "EmergencyTransitionToMaster",
                s -> s.emergencyTransitionToMaster(EmergencyTransitionRequest.getDefaultInstance()));
        calls.put(
                "EmergencyResetMaster",
                s -> s.emergencyResetMaster(EmergencyResetMasterRequest.newBuilder()
                        .setMasterAddress("127.0.0.1:1")
                        .build()));
        calls.put("RecoverSlaves", s -> s.recoverSlaves(RecoverSlavesRequest.getDefaultInstance()));
        return calls;
    }

    /** Makes every call through {@code channel}; returns the status each failed with. */
    private static Map<String, Status.Code> tryAll(ManagedChannel channel) {
        Map<String, Status.Code> outcomes = new LinkedHashMap<>();
        try {
            calls().forEach((name, call) -> {
                var stub = PoolServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
                StatusRuntimeException e =
                        assertThrows(StatusRuntimeException.class, () -> call.apply(stub), name + " must fail");
                outcomes.put(name, e.getStatus().getCode());
            });
        } finally {
            channel.shutdownNow();
        }
        return outcomes;
    }

    private static TlsCredentials member(int index) {
        return pool.tls().orElseThrow().member(index).credentials().orElseThrow();
    }

    @Test
    void aStrangerWithoutACertificateGetsNothingFromEitherPortAndChangesNothing() {
        Map<HostId, List<Object>> before = footprint();
        int master = pool.awaitMaster();
        String service = pool.address(master);

        Map<String, Status.Code> plain =
                tryAll(NettyChannelBuilder.forTarget(service).usePlaintext().build());
        plain.forEach((call, code) -> assertEquals(Status.Code.UNAVAILABLE, code, call + " in plain text"));

        // TLS that trusts the pool's CA but presents no certificate: the member requires one.
        assertThrows(IOException.class, () -> TlsHandshakes.serialPresentedToAnonymous(service, member(0)));
        assertThrows(
                IOException.class,
                () -> TlsHandshakes.serialPresentedToAnonymous(
                        pool.member(master).raftAddress(), member(0)));

        assertEquals(before, footprint(), "a stranger changed the pool");
    }

    @Test
    void aCertificateOfAnotherPoolGetsNothingFromEitherPortAndChangesNothing() {
        Map<HostId, List<Object>> before = footprint();
        int master = pool.awaitMaster();
        Path other = dir.resolve("other-pool");
        PoolCertificateAuthority.create(other.resolve("ca"), "other", Duration.ofDays(1))
                .issue(other.resolve("member-1"), CertificateRole.MEMBER, "member-1", Duration.ofDays(1));
        TransportSecurity foreign = TransportSecurity.tls(other.resolve("member-1"));

        tryAll(foreign.channel(pool.address(master)).build())
                .forEach((call, code) -> assertEquals(Status.Code.UNAVAILABLE, code, call + " with a foreign cert"));
        try (GrpcPoolClient client = GrpcPoolClient.builder()
                .members(pool.addresses())
                .transportSecurity(foreign)
                .requestTimeout(Duration.ofSeconds(2))
                .build()) {
            PoolException e = assertThrows(
                    PoolException.class, () -> client.pool().blocking().createVm(VmSpec.of("x", 1L << 30, 1)));
            assertTrue(
                    e.getMessage().toLowerCase().contains("tls")
                            || e.getMessage().contains("certificate")
                            || e.getMessage().contains("ssl"),
                    "the error says the handshake failed: " + e.getMessage());
        }
        TlsCredentials foreignCredentials = foreign.credentials().orElseThrow();
        for (String address : List.of(pool.address(master), pool.member(master).raftAddress())) {
            assertThrows(IOException.class, () -> TlsHandshakes.serialPresented(address, foreignCredentials), address);
        }

        assertEquals(before, footprint(), "a foreign certificate changed the pool");
    }

    @Test
    void aClientCertificateReadsAndSubmitsButCannotActAsAMemberNorSpeakRaft() throws IOException {
        int master = pool.awaitMaster();
        Map<String, Status.Code> outcomes = new LinkedHashMap<>();
        ManagedChannel channel =
                pool.clientSecurity().channel(pool.address(master)).build();
        try {
            var stub = PoolServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            calls().forEach((name, call) -> {
                try {
                    call.apply(stub);
                    outcomes.put(name, Status.Code.OK);
                } catch (StatusRuntimeException e) {
                    outcomes.put(name, e.getStatus().getCode());
                    if (e.getStatus().getCode() == Status.Code.PERMISSION_DENIED) {
                        assertTrue(
                                e.getStatus().getDescription().startsWith("PERMISSION_DENIED: " + name),
                                e.getStatus().getDescription());
                    }
                }
            });
        } finally {
            channel.shutdownNow();
        }
        for (String memberOnly : List.of(
                "Join",
                "Heartbeat",
                "HaHeartbeat",
                "EmergencyTransitionToMaster",
                "EmergencyResetMaster",
                "RecoverSlaves")) {
            assertEquals(Status.Code.PERMISSION_DENIED, outcomes.get(memberOnly), memberOnly + ": " + outcomes);
        }
        assertEquals(Status.Code.OK, outcomes.get("Read"), outcomes.toString());
        assertEquals(Status.Code.OK, outcomes.get("Submit"), outcomes.toString());
        assertEquals(Status.Code.OK, outcomes.get("SubmitBatch"), outcomes.toString());
        pool.members().forEach(m -> assertEquals(3, m.applied().state().hosts().size(), "no host was added"));

        TlsCredentials client = pool.clientSecurity().credentials().orElseThrow();
        String raft = pool.member(master).raftAddress();
        assertThrows(IOException.class, () -> TlsHandshakes.serialPresented(raft, client), "Raft is for members");
        assertEquals(
                member(master).certificate().getSerialNumber(),
                TlsHandshakes.serialPresented(raft, member((master + 1) % 3)),
                "a member's certificate is accepted on the Raft port");
    }

    @Test
    void aRemoteClientWithThePoolsClientCertificateWorks() {
        try (GrpcPoolClient client = pool.clientBuilder().build()) {
            VmId vm = client.pool().blocking().createVm(VmSpec.of("tls", 1L << 30, 1));
            pool.members().forEach(m -> org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> m.applied().state().vms().containsKey(vm)));
        }
    }
}
