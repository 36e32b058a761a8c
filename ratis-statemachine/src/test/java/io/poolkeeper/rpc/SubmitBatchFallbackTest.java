package io.poolkeeper.rpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.proto.CommandResult;
import io.poolkeeper.proto.Done;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.SubmitBatchReply;
import io.poolkeeper.proto.SubmitBatchRequest;
import io.poolkeeper.proto.SubmitReply;
import io.poolkeeper.proto.SubmitRequest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member older than SubmitBatch answers it UNIMPLEMENTED: the client sends that batch's commands as Submit, and
 * from then on sends no more batches. The member here is a PoolService that knows Submit only and holds its answers
 * while the test says so, so that submits queue behind the calls in flight and are coalesced.
 */
@Timeout(60)
class SubmitBatchFallbackTest {
    private static final String POOL = PoolId.random().toString();

    private final AtomicBoolean holding = new AtomicBoolean(true);
    private final Queue<StreamObserver<SubmitReply>> held = new ConcurrentLinkedQueue<>();
    private final AtomicInteger submits = new AtomicInteger();
    private final AtomicInteger batches = new AtomicInteger();
    private Server server;

    private final class OldMember extends PoolServiceGrpc.PoolServiceImplBase {
        @Override
        public void submit(SubmitRequest request, StreamObserver<SubmitReply> out) {
            submits.incrementAndGet();
            if (holding.get()) {
                held.add(out);
            } else {
                answer(out);
            }
        }

        @Override
        public void submitBatch(SubmitBatchRequest request, StreamObserver<SubmitBatchReply> out) {
            batches.incrementAndGet();
            out.onError(Status.UNIMPLEMENTED
                    .withDescription("Method not found: poolkeeper.v1.PoolService/SubmitBatch")
                    .asRuntimeException());
        }
    }

    private static void answer(StreamObserver<SubmitReply> out) {
        out.onNext(SubmitReply.newBuilder()
                .setResult(CommandResult.newBuilder().setDone(Done.getDefaultInstance()))
                .setPoolUuid(POOL)
                .build());
        out.onCompleted();
    }

    @BeforeEach
    void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new OldMember())
                .build()
                .start();
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
    }

    /** Sends {@code count} creates while the member holds its answers, then lets it answer; all must succeed. */
    private void burst(GrpcPoolClient client, int count, int submitsBefore) {
        holding.set(true);
        List<CompletableFuture<VmId>> creates = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            creates.add(client.pool().createVm(VmSpec.of("old-" + i, 1L << 30, 1)));
        }
        // As many Submits as calls may be in flight; the rest wait for one to complete.
        await().atMost(Duration.ofSeconds(30)).until(() -> held.size() == SubmitCoalescer.MAX_IN_FLIGHT);
        assertEquals(submitsBefore + SubmitCoalescer.MAX_IN_FLIGHT, submits.get());
        holding.set(false);
        for (StreamObserver<SubmitReply> out = held.poll(); out != null; out = held.poll()) {
            answer(out);
        }
        creates.forEach(CompletableFuture::join);
        assertEquals(submitsBefore + count, submits.get(), "every command was sent as Submit");
    }

    @Test
    void aBatchRefusedAsUnimplementedIsSentAsSubmitsAndNoBatchFollows() {
        try (GrpcPoolClient client = GrpcPoolClient.builder()
                .members(List.of("127.0.0.1:" + server.getPort()))
                .insecure()
                .requestTimeout(Duration.ofSeconds(30))
                .build()) {
            burst(client, 10, 0);
            assertEquals(1, batches.get(), "one SubmitBatch tried");

            burst(client, 10, 10);
            assertEquals(1, batches.get(), "no SubmitBatch after the member said it has none");
        }
    }
}
