package io.poolkeeper.examples.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free loopback ports for the processes the benchmarks start, never handed out twice in this JVM. Another process
 * may still take one before the child binds it; that child then fails to start, and the benchmark says so.
 */
final class FreePorts {
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private FreePorts() {}

    /** One free port. */
    static int one() {
        return pair(false);
    }

    /** A free port whose successor is free too: a member's Raft port is its service port + 1. */
    static int pair() {
        return pair(true);
    }

    private static int pair(boolean withNext) {
        for (int attempt = 0; attempt < 200; attempt++) {
            try (ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                int port = first.getLocalPort();
                if (withNext && (port >= 65535 || !free(port + 1))) {
                    continue;
                }
                synchronized (HANDED_OUT) {
                    if (!HANDED_OUT.contains(port) && !(withNext && HANDED_OUT.contains(port + 1))) {
                        HANDED_OUT.add(port);
                        if (withNext) {
                            HANDED_OUT.add(port + 1);
                        }
                        return port;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("no free port", e);
            }
        }
        throw new IllegalStateException("no free port after 200 attempts");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
