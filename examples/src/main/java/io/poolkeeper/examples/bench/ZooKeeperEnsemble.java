package io.poolkeeper.examples.bench;

import io.poolkeeper.testing.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * A ZooKeeper ensemble on loopback, each server in its own JVM ({@code java -cp <this class path>
 * org.apache.zookeeper.server.quorum.QuorumPeerMain zooN.cfg}) with the JVM's default flags (heap, GC, JIT): the
 * reference the side-by-side benchmark of issue 13 measures the member processes against. Data directories are
 * under a new temporary directory, transaction log fsync on (ZooKeeper's default {@code forceSync=yes}), ports
 * chosen free. Only logging is set (slf4j-simple at WARN, the Logback binding being left out by examples/pom.xml).
 * Leader and followers are told apart with the {@code srvr} four-letter command. {@link #close} and a shutdown hook
 * kill the servers and remove the directory.
 */
final class ZooKeeperEnsemble implements AutoCloseable {
    private static final Duration START = Duration.ofMinutes(1);

    private final Path dir;
    private final int[] clientPorts;
    private final List<ChildProcess> servers = new ArrayList<>();
    private final Thread hook;

    private ZooKeeperEnsemble(Path dir, int size) {
        this.dir = dir;
        this.clientPorts = IntStream.range(0, size).map(i -> Ports.free()).toArray();
        hook = new Thread(this::destroyAll, "zookeeper-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts {@code size} servers in a new temporary directory under {@code parent}; returns once they serve. */
    static ZooKeeperEnsemble start(int size, Path parent) throws Exception {
        ZooKeeperEnsemble zk = new ZooKeeperEnsemble(Files.createTempDirectory(parent, "zookeeper"), size);
        try {
            zk.launch();
            zk.awaitServing();
            return zk;
        } catch (Exception | Error e) {
            zk.close();
            throw e;
        }
    }

    private void launch() throws IOException {
        StringBuilder quorum = new StringBuilder();
        for (int i = 1; i <= clientPorts.length; i++) {
            quorum.append("server.")
                    .append(i)
                    .append("=127.0.0.1:")
                    .append(Ports.free())
                    .append(':')
                    .append(Ports.free())
                    .append('\n');
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 1; i <= clientPorts.length; i++) {
            Path data = Files.createDirectories(dir.resolve("zoo" + i));
            Files.writeString(data.resolve("myid"), i + "\n");
            Path cfg = dir.resolve("zoo" + i + ".cfg");
            Files.writeString(
                    cfg,
                    "tickTime=2000\ninitLimit=10\nsyncLimit=5\n"
                            + "dataDir=" + data + "\n"
                            + "clientPort=" + clientPorts[i - 1] + "\n"
                            + "clientPortAddress=127.0.0.1\n"
                            + "admin.enableServer=false\n"
                            + "4lw.commands.whitelist=srvr\n"
                            + quorum);
            servers.add(ChildProcess.start(
                    "zoo" + i,
                    List.of(
                            java,
                            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                            "-cp",
                            System.getProperty("java.class.path"),
                            "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                            cfg.toString()),
                    Map.of(),
                    dir.resolve("zoo" + i + ".log"),
                    null));
        }
    }

    private void awaitServing() throws InterruptedException {
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline) {
            if (IntStream.range(0, size())
                            .allMatch(i -> mode(i).filter(m -> !m.isEmpty()).isPresent())
                    && leader() >= 0) {
                return;
            }
            for (ChildProcess s : servers) {
                if (!s.alive()) {
                    throw new IllegalStateException(s.name() + " exited:\n" + s.tail());
                }
            }
            Thread.sleep(100); // polling other processes' state
        }
        throw new IllegalStateException("ZooKeeper ensemble not serving after " + START + ":\n"
                + servers.get(0).tail());
    }

    int size() {
        return clientPorts.length;
    }

    /** The client address of server {@code i} (0-based). */
    String address(int i) {
        return "127.0.0.1:" + clientPorts[i];
    }

    long cpuNanos(int i) {
        return servers.get(i).cpuNanos();
    }

    /** The index of the leader, -1 if none says so. */
    int leader() {
        return IntStream.range(0, size())
                .filter(i -> mode(i).orElse("").equals("leader"))
                .findFirst()
                .orElse(-1);
    }

    /** A follower's index. */
    int follower() {
        return IntStream.range(0, size())
                .filter(i -> mode(i).orElse("").equals("follower"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no ZooKeeper follower"));
    }

    /** What server {@code i}'s {@code srvr} says its mode is (leader, follower), empty when it does not answer. */
    Optional<String> mode(int i) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), clientPorts[i])) {
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return answer.lines()
                    .filter(l -> l.startsWith("Mode: "))
                    .map(l -> l.substring("Mode: ".length()).trim())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private synchronized void destroyAll() {
        servers.forEach(ChildProcess::kill);
        Benchmark.deleteTree(dir);
    }

    @Override
    public void close() {
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Called from another shutdown hook: ours runs (or ran) anyway.
        }
    }
}
