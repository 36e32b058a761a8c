package io.poolkeeper.seed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.proto.HostSetLive;
import io.poolkeeper.proto.PoolAlert;
import io.poolkeeper.proto.PoolCommand;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.PoolSetHaPlan;
import io.poolkeeper.proto.PoolSetMaster;
import io.poolkeeper.proto.SubmitReply;
import io.poolkeeper.proto.SubmitRequest;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The operations only members issue (liveness verdicts, master records, alerts) are refused from clients. */
@Timeout(60)
class InternalOperationsTest {
    @TempDir
    Path dir;

    @Test
    void clientsCannotJudgeHostsRecordMastersOrRaiseAlerts() {
        try (TestingPool pool = TestingPool.start(dir, 2)) {
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            String slaveUuid = pool.host(slave).toString();
            // A client of the pool (its certificate reads and submits): internal operations are still refused.
            ManagedChannel channel = pool.clientSecurity()
                    .channel(pool.member(slave).serviceAddress())
                    .build();
            try {
                var stub = PoolServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
                for (PoolCommand command : List.of(
                        PoolCommand.newBuilder()
                                .setRequestId("fake-death")
                                .setHostSetLive(HostSetLive.newBuilder()
                                        .setHostUuid(slaveUuid)
                                        .setLive(false))
                                .build(),
                        PoolCommand.newBuilder()
                                .setRequestId("usurp")
                                .setPoolSetMaster(PoolSetMaster.newBuilder().setHostUuid(slaveUuid))
                                .build(),
                        PoolCommand.newBuilder()
                                .setRequestId("noise")
                                .setPoolAlert(PoolAlert.newBuilder().setCode("DEFAULT_SR_INVALID"))
                                .build(),
                        PoolCommand.newBuilder()
                                .setRequestId("fake-plan")
                                .setPoolSetHaPlan(PoolSetHaPlan.newBuilder()
                                        .setPlanExistsFor(3)
                                        .setOvercommitted(false))
                                .build(),
                        // A chunked import: a client must not stage or switch in a pool state.
                        PoolCommand.newBuilder()
                                .setPoolImportBegin(io.poolkeeper.proto.PoolImportBegin.newBuilder()
                                        .setImportId("import/9")
                                        .setGeneration(9)
                                        .setMasterUuid(slaveUuid)
                                        .setChunks(1))
                                .build(),
                        PoolCommand.newBuilder()
                                .setPoolImportChunk(io.poolkeeper.proto.PoolImportChunk.newBuilder()
                                        .setImportId("import/9")
                                        .setPart(io.poolkeeper.proto.PoolSnapshot.newBuilder()
                                                .setFormatVersion(3)))
                                .build(),
                        PoolCommand.newBuilder()
                                .setRequestId("fake-import")
                                .setPoolImportCommit(io.poolkeeper.proto.PoolImportCommit.newBuilder()
                                        .setImportId("import/9"))
                                .build())) {
                    SubmitReply reply = stub.submit(
                            SubmitRequest.newBuilder().setCommand(command).build());
                    assertEquals(
                            "UNKNOWN_OPERATION", reply.getResult().getRejected().getCode(), command.toString());
                }
                var view = pool.pool(master).read(ReadConsistency.LINEARIZABLE);
                assertTrue(view.hosts().get(pool.host(slave)).live());
                assertEquals(
                        pool.host(master), view.pool().orElseThrow().master().orElseThrow());
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
