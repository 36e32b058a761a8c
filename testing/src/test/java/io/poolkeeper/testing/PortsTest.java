package io.poolkeeper.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.PrimitiveIterator;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class PortsTest {
    private static final Path EPHEMERAL = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    @Test
    void aPortAnotherProcessHoldsIsSkippedAndNotTriedAgain() throws IOException {
        try (ServerSocket held = new ServerSocket(unclaimed(-1), 1, InetAddress.getLoopbackAddress())) {
            int busy = held.getLocalPort();
            int free = unclaimed(busy);
            PrimitiveIterator.OfInt candidates = IntStream.of(busy, busy, free).iterator();

            assertEquals(free, Ports.choose(1, candidates::nextInt), "the port held elsewhere was handed out");
            assertTrue(Ports.claimed(busy), "a port found in use stays claimed, so no later attempt tries it");
        }
    }

    /** A port Ports chooses from, not claimed in this JVM, bindable now, other than {@code except}. */
    private static int unclaimed(int except) {
        for (int port = 20_000; port < 40_000; port++) {
            if (port == except || !Ports.choosable(port) || Ports.claimed(port)) {
                continue;
            }
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException inUse) {
                // try the next
            }
        }
        throw new IllegalStateException("no unclaimed free port in 20000-39999");
    }

    @Test
    void pairsAreFreeDistinctAndOutsideTheEphemeralRange() throws IOException {
        assumeTrue(Files.isReadable(EPHEMERAL), "Linux only: the range is read from " + EPHEMERAL);
        String[] range = Files.readAllLines(EPHEMERAL, StandardCharsets.US_ASCII)
                .get(0)
                .trim()
                .split("\\s+");
        int low = Integer.parseInt(range[0]);
        int high = Integer.parseInt(range[1]);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int port = Ports.freePair();
            for (int p : new int[] {port, port + 1}) {
                assertFalse(p >= low && p <= high, p + " is in the ephemeral range " + low + "-" + high);
                assertTrue(seen.add(p), p + " handed out twice");
                try (ServerSocket socket = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                    assertTrue(socket.isBound());
                }
            }
        }
    }
}
