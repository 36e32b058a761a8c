package io.poolkeeper.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.IndeterminateOutcomeException;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolUnavailableException;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.SubmitReply;
import io.poolkeeper.proto.SubmitRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a remote caller is told when no member answers: the addresses and the cause, not gRPC's "io exception" or
 * its deadline text; and addresses where nothing listens fail a new client at once instead of after its whole
 * request timeout. Loopback only, no pool: well under a second.
 */
@Timeout(60)
class ClientFailureMessagesTest {

    @Test
    void addressesWhereNothingListensFailAtOnceNamingEachAndTheCause() throws Exception {
        String a = "127.0.0.1:" + closedPort();
        String b = "127.0.0.1:" + closedPort();
        try (GrpcPoolClient client = GrpcPoolClient.builder()
                .members(List.of(a, b))
                .insecure()
                .requestTimeout(Duration.ofSeconds(20))
                .build()) {
            long started = System.nanoTime();
            PoolUnavailableException e = assertThrows(
                    PoolUnavailableException.class,
                    () -> client.pool().blocking().read(ReadConsistency.LOCAL));
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertEquals(ErrorCode.NO_MASTER, e.code());
            assertEquals(
                    "NO_MASTER: no member reachable among [" + a + ", " + b + "]: " + a + " connection refused; " + b
                            + " connection refused",
                    e.getMessage());
            // Not the 20 s request timeout: nothing listens, so waiting cannot help.
            assertTrue(tookMs < 10_000, "failed after " + tookMs + " ms");
        }
    }

    @Test
    void aMemberThatDoesNotAnswerInTimeIsNamedWithTheTimeout() {
        Server silent = silentServer();
        String address = "127.0.0.1:" + silent.getPort();
        try (GrpcPoolClient client = GrpcPoolClient.builder()
                .members(List.of(address))
                .insecure()
                .requestTimeout(Duration.ofMillis(300))
                .build()) {
            IndeterminateOutcomeException e = assertThrows(
                    IndeterminateOutcomeException.class,
                    () -> client.pool().blocking().createVm(VmSpec.of("x", 1L << 30, 1)));
            assertEquals(ErrorCode.TIMEOUT, e.code());
            assertEquals("TIMEOUT: no answer from " + address + " within 300 ms", e.getMessage());
        } finally {
            silent.shutdownNow();
        }
    }

    @Test
    void aPeerStatusOfAnAddressWhereNothingListensNamesItAndTheCause() throws Exception {
        String address = "127.0.0.1:" + closedPort();
        try (GrpcPeerLink peers =
                new GrpcPeerLink("00000001-0000-4000-8000-000000000000", TransportSecurity.insecure())) {
            ExecutionException failed =
                    assertThrows(ExecutionException.class, () -> peers.status(address, Duration.ofSeconds(5))
                            .get(10, TimeUnit.SECONDS));
            PoolException e = assertInstanceOf(PoolException.class, failed.getCause());
            assertEquals(ErrorCode.NO_MASTER, e.code());
            assertEquals("NO_MASTER: cannot reach " + address + ": connection refused", e.getMessage());
        }
    }

    @Test
    void durationsReadAsPeopleWriteThem() {
        assertEquals("3 s", CallFailures.seconds(Duration.ofSeconds(3)));
        assertEquals("2.5 s", CallFailures.seconds(Duration.ofMillis(2500)));
        assertEquals("400 ms", CallFailures.seconds(Duration.ofMillis(400)));
    }

    /** A loopback port nothing listens on (bound, then closed). */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** A PoolService that takes every submit and never answers it. */
    private static Server silentServer() {
        try {
            return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new PoolServiceGrpc.PoolServiceImplBase() {
                        @Override
                        public void submit(SubmitRequest request, StreamObserver<SubmitReply> out) {}
                    })
                    .build()
                    .start();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
