package io.poolkeeper.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.PoolUnavailableException;
import io.poolkeeper.api.ReadConsistency;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * This module's test class path is what an embedder of poolkeeper-client alone gets (plus JUnit): no member
 * runtime and no Ratis. {@link PoolClient#builder()} must still find a client, and that client must talk gRPC on
 * its own. Loopback only, no pool: well under a second.
 */
@Timeout(60)
class ClientOnlyClasspathTest {

    @Test
    void theClassPathHoldsNeitherRatisNorAMember() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.ratis.server.RaftServer"));
        assertThrows(
                ClassNotFoundException.class,
                () -> Class.forName("org.apache.ratis.thirdparty.com.google.protobuf.Message"));
        assertTrue(
                ServiceLoader.load(PoolMember.Provider.class).findFirst().isEmpty(),
                "a member implementation is on the client's class path");
    }

    @Test
    void theBuilderComesFromTheClientJarAndItsClientReachesTheNetwork() throws IOException {
        PoolClient.Builder builder = PoolClient.builder();
        assertInstanceOf(GrpcPoolClient.Builder.class, builder);

        String address = "127.0.0.1:" + closedPort();
        try (PoolClient client = builder.members(List.of(address))
                .insecure()
                .requestTimeout(Duration.ofSeconds(20))
                .build()) {
            PoolUnavailableException e = assertThrows(
                    PoolUnavailableException.class,
                    () -> client.pool().blocking().read(ReadConsistency.LOCAL));
            assertEquals(ErrorCode.NO_MASTER, e.code());
            assertEquals(
                    "NO_MASTER: no member reachable among [" + address + "]: " + address + " connection refused",
                    e.getMessage());
        }
    }

    /** A loopback port nothing listens on: bound by the OS, then released. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
