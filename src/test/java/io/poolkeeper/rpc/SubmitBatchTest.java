package io.poolkeeper.rpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.proto.HostSpec;
import io.poolkeeper.proto.PoolCommand;
import io.poolkeeper.proto.PoolCreate;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.SubmitBatchReply;
import io.poolkeeper.proto.SubmitBatchRequest;
import io.poolkeeper.proto.SubmitOutcome;
import io.poolkeeper.proto.SubmitRequest;
import io.poolkeeper.proto.VmCreate;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SubmitBatch on real members: each command of a batch gets its own outcome, as Submit would give it, and the remote
 * client's coalesced submits all get their own results. The calls are made with raw stubs where the test needs to
 * choose the batch, through {@link GrpcPoolClient} otherwise.
 */
@Timeout(180)
class SubmitBatchTest {
    @TempDir
    static Path dir;

    private static TestingPool pool;

    @BeforeAll
    static void startPool() {
        pool = TestingPool.builder(dir.resolve("pool")).insecure().start(3);
    }

    @AfterAll
    static void closePool() {
        if (pool != null) {
            pool.close();
        }
    }

    private static PoolCommand create(String requestId, VmId vm, String name) {
        return PoolCommand.newBuilder()
                .setRequestId(requestId)
                .setVmCreate(VmCreate.newBuilder()
                        .setVmUuid(vm.toString())
                        .setNameLabel(name)
                        .setMemory(1L << 30)
                        .setVcpus(1))
                .build();
    }

    private static String poolUuid() {
        return pool.member(0).applied().state().requirePool().uuid().toString();
    }

    /** Calls {@code call} on a plain stub to the member at {@code index}. */
    private static <T> T onMember(
            int index, java.util.function.Function<PoolServiceGrpc.PoolServiceBlockingStub, T> call) {
        ManagedChannel channel =
                pool.clientSecurity().channel(pool.address(index)).build();
        try {
            return call.apply(PoolServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS));
        } finally {
            channel.shutdownNow();
        }
    }

    private static SubmitBatchReply batch(int member, List<PoolCommand> commands) {
        return onMember(
                member,
                s -> s.submitBatch(SubmitBatchRequest.newBuilder()
                        .addAllCommands(commands)
                        .setPoolUuid(poolUuid())
                        .build()));
    }

    /** Every member's copy holds each VM of {@code vms} under its name (one wait per member, not per VM). */
    private static void awaitEverywhere(java.util.Map<VmId, String> vms) {
        pool.members().forEach(m -> await().atMost(TestingPool.WAIT).until(() -> {
            var state = m.applied().state().vms();
            return vms.entrySet().stream()
                    .allMatch(e -> state.containsKey(e.getKey())
                            && state.get(e.getKey()).nameLabel().equals(e.getValue()));
        }));
    }

    private static long named(RatisPoolMember member, String name) {
        return member.applied().state().vms().values().stream()
                .filter(v -> v.nameLabel().equals(name))
                .count();
    }

    @Test
    void concurrentSubmitsThroughOneClientTravelTogetherAndEachGetsItsOwnResult() {
        try (GrpcPoolClient client = pool.clientBuilder().build()) {
            client.pool().blocking().createVm(VmSpec.of("connect", 1L << 30, 1)); // connected, pool pinned
            List<CompletableFuture<VmId>> creates = new ArrayList<>();
            List<VmId> unknown = new ArrayList<>();
            List<CompletableFuture<Void>> destroys = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                creates.add(client.pool().createVm(VmSpec.of("many-" + i, 1L << 30, 1)));
                // Interleaved refusals, each naming its own VM: results must not be handed to another command.
                VmId nobody = VmId.random();
                unknown.add(nobody);
                destroys.add(client.pool().destroyVm(nobody));
            }
            java.util.Map<VmId, String> created = new java.util.HashMap<>();
            for (int i = 0; i < creates.size(); i++) {
                created.put(creates.get(i).join(), "many-" + i);
            }
            assertEquals(creates.size(), created.size(), "each create answered with its own VM");
            awaitEverywhere(created);
            for (int i = 0; i < creates.size(); i++) {
                int n = i;
                CompletionException refused = assertThrows(
                        CompletionException.class, () -> destroys.get(n).join());
                PoolException p = assertInstanceOf(PoolException.class, refused.getCause());
                assertEquals(ErrorCode.HANDLE_INVALID, p.code(), p.getMessage());
                assertTrue(
                        p.params().contains(unknown.get(i).toString()),
                        p.params().toString());
            }
            assertTrue(client.largestBatch() > 1, "submits were coalesced: " + client.largestBatch());
            assertTrue(client.largestBatch() <= SubmitCoalescer.MAX_BATCH);
        }
    }

    @Test
    void aBadCommandInABatchIsRefusedAloneAsSubmitRefusesItAndTheOthersApply() {
        int master = pool.awaitMaster();
        VmId first = VmId.random();
        VmId last = VmId.random();
        List<PoolCommand> bad = List.of(
                create("", VmId.random(), "x".repeat(2000)), // over the name-label limit
                create("", VmId.random(), "ok").toBuilder()
                        .setVmCreate(
                                VmCreate.newBuilder().setVmUuid("not-a-uuid").setNameLabel("bad"))
                        .build(), // malformed
                PoolCommand.newBuilder()
                        .setPoolCreate(PoolCreate.newBuilder()
                                .setPoolUuid(PoolId.random().toString())
                                .setNameLabel("hijack")
                                .setMaster(HostSpec.newBuilder()
                                        .setUuid(VmId.random().toString())
                                        .setNameLabel("intruder")
                                        .setAddress("127.0.0.1:1")
                                        .setMemoryTotal(1L << 30)))
                        .build(), // internal: members only
                PoolCommand.getDefaultInstance()); // no body
        List<PoolCommand> commands = new ArrayList<>();
        commands.add(create("bad-batch/first", first, "bad-batch-first"));
        commands.addAll(bad);
        commands.add(create("bad-batch/last", last, "bad-batch-last"));

        SubmitBatchReply reply = batch(master, commands);

        assertEquals(commands.size(), reply.getOutcomesCount());
        assertEquals(poolUuid(), reply.getPoolUuid());
        assertTrue(reply.getOutcomes(0).getResult().hasDone(), reply.toString());
        assertTrue(reply.getOutcomes(commands.size() - 1).getResult().hasDone(), reply.toString());
        for (int i = 0; i < bad.size(); i++) {
            SubmitOutcome outcome = reply.getOutcomes(i + 1);
            PoolCommand command = bad.get(i);
            var alone = onMember(
                    master,
                    s -> s.submit(SubmitRequest.newBuilder()
                            .setCommand(command)
                            .setPoolUuid(poolUuid())
                            .build()));
            assertTrue(outcome.getResult().hasRejected(), outcome.toString());
            assertEquals(alone.getResult(), outcome.getResult(), "refused as Submit refuses it");
        }
        assertEquals(
                ErrorCode.UNKNOWN_OPERATION.name(),
                reply.getOutcomes(3).getResult().getRejected().getCode());
        awaitEverywhere(java.util.Map.of(first, "bad-batch-first", last, "bad-batch-last"));
        pool.members().forEach(m -> assertEquals(0, named(m, "bad")));
    }

    @Test
    void aBatchSentToASlaveIsForwardedAndAppliedAndASecondCopyOfItIsAppliedOnce() {
        int master = pool.awaitMaster();
        int slave = pool.others(master).get(0);
        List<PoolCommand> commands = new ArrayList<>();
        List<VmId> vms = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            VmId vm = VmId.random();
            vms.add(vm);
            commands.add(create("slave-batch/" + i, vm, "slave-batch-" + i));
        }

        SubmitBatchReply viaSlave = batch(slave, commands);
        // The same batch again, as a client retries it after a lost answer: answered again, applied once.
        SubmitBatchReply again = batch(master, commands);

        assertEquals(50, viaSlave.getOutcomesCount());
        viaSlave.getOutcomesList().forEach(o -> assertTrue(o.getResult().hasDone(), o.toString()));
        assertEquals(viaSlave.getOutcomesList(), again.getOutcomesList());
        java.util.Map<VmId, String> named = new java.util.HashMap<>();
        for (int i = 0; i < 50; i++) {
            named.put(vms.get(i), "slave-batch-" + i);
        }
        awaitEverywhere(named);
        for (int i = 0; i < 50; i++) {
            String name = "slave-batch-" + i;
            pool.members().forEach(m -> assertEquals(1, named(m, name), name));
        }
    }

    @Test
    void aBatchOverTheLimitIsRefusedWholeAndChangesNothing() {
        List<PoolCommand> commands = IntStream.range(0, 1025)
                .mapToObj(i -> create("", VmId.random(), "too-many"))
                .toList();
        StatusRuntimeException refused =
                assertThrows(StatusRuntimeException.class, () -> batch(pool.awaitMaster(), commands));
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertTrue(
                refused.getStatus().getDescription().startsWith(ErrorCode.INVALID_VALUE.name() + ":"),
                refused.getStatus().getDescription());
        assertTrue(
                refused.getStatus().getDescription().contains("1024"),
                refused.getStatus().getDescription());
        pool.members().forEach(m -> assertEquals(0, named(m, "too-many")));
    }

    @Test
    void aBatchForAnotherPoolIsRefusedWholeAndChangesNothing() {
        String other = PoolId.random().toString();
        StatusRuntimeException refused = assertThrows(
                StatusRuntimeException.class,
                () -> onMember(
                        pool.awaitMaster(),
                        s -> s.submitBatch(SubmitBatchRequest.newBuilder()
                                .addCommands(create("", VmId.random(), "foreign"))
                                .setPoolUuid(other)
                                .build())));
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertTrue(
                refused.getStatus().getDescription().startsWith(ErrorCode.POOL_MISMATCH.name() + ":"),
                refused.getStatus().getDescription());
        pool.members().forEach(m -> assertEquals(0, named(m, "foreign")));
    }

    @Test
    void batchesInFlightWhenTheMasterIsKilledApplyEachCommandOnce(@TempDir Path own) {
        try (TestingPool failing = TestingPool.builder(own).insecure().start(3);
                GrpcPoolClient client = failing.clientBuilder()
                        .requestTimeout(Duration.ofSeconds(60))
                        .build()) {
            int master = failing.awaitMaster();
            client.pool().blocking().createVm(VmSpec.of("connect", 1L << 30, 1));
            List<CompletableFuture<VmId>> creates = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                creates.add(client.pool().createVm(VmSpec.of("failover-" + i, 1L << 30, 1)));
            }
            long unanswered = creates.stream().filter(f -> !f.isDone()).count();
            failing.kill(master);
            System.out.println(
                    "SubmitBatchTest: " + unanswered + " of 400 creates unanswered when the master was killed");
            for (int i = 400; i < 600; i++) {
                creates.add(client.pool().createVm(VmSpec.of("failover-" + i, 1L << 30, 1)));
            }
            // Every create succeeds: a retried batch's commands already applied are answered, not refused as
            // duplicates (their VM uuids exist), and none is applied twice.
            List<VmId> vms = creates.stream().map(CompletableFuture::join).toList();
            for (int survivor : failing.others(master)) {
                RatisPoolMember m = failing.member(survivor);
                await().atMost(TestingPool.WAIT)
                        .until(() -> m.applied().state().vms().keySet().containsAll(vms));
                for (int i = 0; i < vms.size(); i++) {
                    assertEquals(1, named(m, "failover-" + i), "failover-" + i);
                }
            }
            assertTrue(client.largestBatch() > 1, "submits were coalesced: " + client.largestBatch());
        }
    }
}
