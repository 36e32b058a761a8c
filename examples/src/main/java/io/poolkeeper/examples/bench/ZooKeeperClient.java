package io.poolkeeper.examples.bench;

import java.lang.reflect.InvocationTargetException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The ZooKeeper side's workload client, as {@link SideBySide} sees it. Its implementation ({@code ZooKeeperLoad},
 * in {@code src/benchmark/java}) needs the ZooKeeper client, which only the {@code benchmark} profile of
 * examples/pom.xml puts on the class path: so it is compiled in that profile only, and found by name here.
 */
interface ZooKeeperClient extends AutoCloseable {
    /** Creates the seeded znodes (not measured); once per ensemble. */
    void seed() throws Exception;

    /** The seeded znodes' paths. */
    List<String> seededPaths();

    /** Works on znodes another client seeded. */
    void use(List<String> paths);

    /** The pipelined workload (create, delete, 2 x setData of every four), each operation asynchronous. */
    Supplier<CompletableFuture<?>> operations();

    /** One synchronous setData on a seeded znode. */
    void setDataSync();

    /** A connected client of the server at {@code address} only. */
    static ZooKeeperClient connect(String address) throws Exception {
        Class<?> implementation;
        try {
            implementation = Class.forName("io.poolkeeper.examples.bench.ZooKeeperLoad");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(
                    "the ZooKeeper side needs the benchmark profile: run examples/run-benchmark.sh side=...", e);
        }
        try {
            return (ZooKeeperClient)
                    implementation.getMethod("connect", String.class).invoke(null, address);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
