package io.poolkeeper.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.proto.MemberStatus;
import io.poolkeeper.proto.MemberStatusRequest;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.SubmitBatchReply;
import io.poolkeeper.proto.SubmitBatchRequest;
import io.poolkeeper.proto.SubmitReply;
import io.poolkeeper.proto.SubmitRequest;
import io.poolkeeper.proto.WatchRequest;
import io.poolkeeper.rpc.GrpcPoolClient;
import io.poolkeeper.rpc.TransportSecurity;
import io.poolkeeper.testing.Ports;
import io.poolkeeper.testing.TestingPool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote client whose member stops answering (a hung process, a powered-off host: the connection stays open, nothing
 * comes back) goes on to the next member within about a second, instead of waiting out its request timeout there.
 */
@Timeout(120)
class HungMemberTest {
    @TempDir
    Path dir;

    /** A PoolService that takes calls and never answers them, as a hung member does. */
    private static final class Hung extends PoolServiceGrpc.PoolServiceImplBase {
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger watches = new AtomicInteger();

        @Override
        public void submit(SubmitRequest request, StreamObserver<SubmitReply> out) {
            writes.incrementAndGet();
        }

        @Override
        public void submitBatch(SubmitBatchRequest request, StreamObserver<SubmitBatchReply> out) {
            writes.incrementAndGet();
        }

        @Override
        public void getMemberStatus(MemberStatusRequest request, StreamObserver<MemberStatus> out) {}

        @Override
        public void watch(WatchRequest request, StreamObserver<io.poolkeeper.proto.PoolEvent> out) {
            watches.incrementAndGet();
        }
    }

    private static Server serve(Hung hung, int port) throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(hung)
                .build()
                .start();
    }

    /** A client given the hung member first, then the pool's one real member. */
    private static PoolClient client(int hungPort, TestingPool pool) {
        return GrpcPoolClient.builder()
                .members(List.of("127.0.0.1:" + hungPort, pool.address(0)))
                .transportSecurity(TransportSecurity.insecure())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
    }

    @Test
    void aCallOnAMemberThatStoppedAnsweringMovesOnToTheNextMember() throws Exception {
        Hung hung = new Hung();
        int port = Ports.free();
        Server server = serve(hung, port);
        try (TestingPool pool = TestingPool.builder(dir).insecure().start(1);
                PoolClient client = client(port, pool)) {
            // The first attempt goes to the first address, the hung one; without the watch it waits there 30 s and
            // the call fails.
            VmId vm = client.pool().blocking().createVm(VmSpec.of("after-a-hang", 1L << 30, 1));
            assertTrue(hung.writes.get() > 0, "the write never went to the hung member first");
            assertTrue(
                    pool.member(0).applied().state().vms().containsKey(vm),
                    "the member that answered does not hold the VM");
            // The next call starts where the last answer came from, not at the hung member again.
            int writes = hung.writes.get();
            client.pool().blocking().createVm(VmSpec.of("next", 1L << 30, 1));
            assertEquals(writes, hung.writes.get(), "the next call went to the hung member again");
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void aWatchOnAMemberThatStoppedAnsweringMovesOnToTheNextMember() throws Exception {
        Hung hung = new Hung();
        int port = Ports.free();
        Server server = serve(hung, port);
        List<PoolEvent> events = new CopyOnWriteArrayList<>();
        try (TestingPool pool = TestingPool.builder(dir).insecure().start(1);
                PoolClient client = client(port, pool);
                Subscription watch = client.pool().watch(0, events::add)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> hung.watches.get() > 0);
            VmId vm = pool.member(0).pool().blocking().createVm(VmSpec.of("seen-elsewhere", 1L << 30, 1));
            // A hung member ends no stream: without the status questions the watch waits on it for good.
            await().atMost(Duration.ofSeconds(20))
                    .alias("the VM's creation never reached the watcher")
                    .until(() -> events.stream().anyMatch(e -> e.params().containsValue(vm.toString())));
        } finally {
            server.shutdownNow();
        }
    }
}
