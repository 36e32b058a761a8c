package io.poolkeeper.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntSupplier;

/**
 * Free loopback ports for tests, the demo and the benchmarks, each handed out once per JVM: members started from
 * one JVM never get the same port twice, even before the first one binds it, and a member restarted on its old
 * ports finds them unclaimed by others.
 *
 * <p>Ports are chosen outside the operating system's ephemeral range (Linux's {@code ip_local_port_range}, else
 * IANA's 49152–65535). A port the OS hands out for "any port" comes from that range, and so does the local port of
 * every outgoing connection: a member's peers connecting to each other could take such a port in the seconds
 * between choosing it and a new member process binding it (the demo's replacement host once failed to start so).
 * Outside the range only a process binding that very port can; one that does makes the member fail to start.
 * Thread-safe.
 */
public final class Ports {
    /** Ports claimed in this JVM; guarded by itself. */
    private static final Set<Integer> HANDED_OUT = new HashSet<>();
    /** Below this sit most well-known services' ports. */
    private static final int LOWEST = 10_000;

    private static final int HIGHEST = 65_535;
    private static final int ATTEMPTS = 1_000;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    /** The ports chosen from: from LOWEST up to the ephemeral range, then above it. */
    private static final int[] CHOSEN_FROM = outsideEphemeral();

    private Ports() {}

    /** A free port. */
    public static int free() {
        return choose(1, Ports::random);
    }

    /** A free port whose successor is free too: a member's Raft port is its service port + 1. */
    public static int freePair() {
        return choose(2, Ports::random);
    }

    /** A port to try, at random from those chosen from. */
    private static int random() {
        int below = CHOSEN_FROM[1] - CHOSEN_FROM[0];
        int above = CHOSEN_FROM[3] - CHOSEN_FROM[2];
        int pick = ThreadLocalRandom.current().nextInt(below + above);
        return pick < below ? CHOSEN_FROM[0] + pick : CHOSEN_FROM[2] + pick - below;
    }

    /** Whether {@code port} is one of those chosen from (outside the ephemeral range). */
    static boolean choosable(int port) {
        return (port >= CHOSEN_FROM[0] && port < CHOSEN_FROM[1]) || (port >= CHOSEN_FROM[2] && port < CHOSEN_FROM[3]);
    }

    /** {@code count} consecutive free ports, the first of them tried in the order {@code candidates} gives. */
    static int choose(int count, IntSupplier candidates) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = candidates.getAsInt();
            if (port + count - 1 > HIGHEST || !claim(port, count)) {
                continue;
            }
            if (bindable(port, count)) {
                return port;
            }
            // In use by another process: it stays claimed so that no later attempt tries it again.
        }
        throw new IllegalStateException("no " + count + " free consecutive port(s) after " + ATTEMPTS + " attempts");
    }

    /** Claims ports {@code port .. port + count - 1} for this JVM, all or none. */
    private static boolean claim(int port, int count) {
        synchronized (HANDED_OUT) {
            for (int p = port; p < port + count; p++) {
                if (HANDED_OUT.contains(p)) {
                    return false;
                }
            }
            for (int p = port; p < port + count; p++) {
                HANDED_OUT.add(p);
            }
            return true;
        }
    }

    /** Whether this JVM claimed {@code port} already (handed out, or found in use). */
    static boolean claimed(int port) {
        synchronized (HANDED_OUT) {
            return HANDED_OUT.contains(port);
        }
    }

    private static boolean bindable(int port, int count) {
        for (int p = port; p < port + count; p++) {
            try (ServerSocket socket = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                // bound: free
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code [LOWEST, ephemeral low)} and {@code (ephemeral high, HIGHEST]} as four bounds (low inclusive, high
     * exclusive); a range the ephemeral one swallows is empty. Too few ports left: all from LOWEST up.
     */
    private static int[] outsideEphemeral() {
        int low = 49_152;
        int high = HIGHEST;
        // A line read, not Files.readString: that reads one byte of a file that states its size as 0, as /proc's do.
        try (BufferedReader file = Files.newBufferedReader(EPHEMERAL_RANGE, StandardCharsets.US_ASCII)) {
            String[] range = file.readLine().trim().split("\\s+");
            low = Integer.parseInt(range[0]);
            high = Integer.parseInt(range[1]);
        } catch (IOException | RuntimeException notLinux) {
            // IANA's dynamic range: what macOS and Windows use
        }
        int[] bounds = {LOWEST, Math.max(LOWEST, low), Math.max(LOWEST, high + 1), HIGHEST + 1};
        if (bounds[1] - bounds[0] + bounds[3] - bounds[2] < 1_000) {
            // An ephemeral range over nearly everything: no port is safe from it, so any will do.
            return new int[] {LOWEST, HIGHEST + 1, HIGHEST + 1, HIGHEST + 1};
        }
        return bounds;
    }
}
