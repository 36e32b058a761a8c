package io.poolkeeper.examples.bench;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.member.RatisPoolMember;
import io.poolkeeper.rpc.GrpcPoolClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The TLS cost benchmark of issue 12: the same measurements on plain-text and on mutual-TLS 3-member pools, a fresh
 * pool each time, in the order insecure, TLS, TLS, insecure, insecure, TLS, ... so that drift of the machine's load
 * hits both sides alike. Each pool measures pipelined write throughput through a remote client attached to the
 * master (where TLS changes the most: client to member and member to member) and embedded on the master (Raft
 * between the members is TLS too), then synchronous write latency through the remote client. Before any of it, one
 * pool of each kind is loaded unmeasured, so JIT compilation of both code paths stays out of the measurements.
 */
final class TlsCost {
    /** Synchronous writes before the measured ones on each pool (connection set-up, the first TLS handshakes). */
    private static final int SYNC_WARMUP = 200;

    /**
     * One pool's measurements.
     *
     * @param tls whether the pool ran mutual TLS
     * @param remote pipelined writes through a remote client attached to the master
     * @param embedded pipelined writes on the master's embedded pool
     * @param sync one write at a time through the remote client
     */
    record Run(boolean tls, Throughput remote, Throughput embedded, SyncWrites.Latency sync) {}

    /**
     * The defaults, but 20 s for a request instead of 5 s: on a loaded 2-core machine a member's first join (JIT, the
     * first handshakes) can take longer than 5 s. Both kinds of pool get the same; no measured write comes near it.
     */
    private final MemberTimeouts timeouts;

    private final Path dir;
    private final int window;
    private final Duration warmup;
    private final Duration measure;
    private final int writes;
    private int pools;

    TlsCost(Path dir, int window, Duration warmup, Duration measure, int writes) {
        this.dir = dir;
        this.window = window;
        this.warmup = warmup;
        this.measure = measure;
        this.writes = writes;
        MemberTimeouts d = MemberTimeouts.defaults();
        this.timeouts = new MemberTimeouts(
                d.heartbeatInterval(),
                d.hostDeadAfter(),
                d.emergencyAfter(),
                d.electionTimeoutMin(),
                d.electionTimeoutMax(),
                Duration.ofSeconds(20));
    }

    /** Warms up on one pool of each kind for {@code jit} in all, then measures {@code rounds} pools of each kind. */
    List<Run> run(int rounds, Duration jit) {
        if (!jit.isZero()) {
            System.out.printf("warming up (JIT) for %d s, on one insecure and one TLS pool...%n", jit.toSeconds());
            Duration quarter = jit.dividedBy(4);
            onePool(false, quarter, Duration.ofMillis(1), SYNC_WARMUP);
            onePool(true, quarter, Duration.ofMillis(1), SYNC_WARMUP);
        }
        List<Run> runs = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            // ABBA: a linear drift of the machine's load over the run costs both sides the same.
            boolean tlsFirst = r % 2 == 1;
            for (boolean tls : new boolean[] {tlsFirst, !tlsFirst}) {
                System.out.printf("round %d/%d, %s...%n", r + 1, rounds, tls ? "TLS" : "insecure");
                runs.add(onePool(tls, warmup, measure, writes));
            }
        }
        return runs;
    }

    private Run onePool(boolean tls, Duration loadWarmup, Duration loadMeasure, int syncWrites) {
        Path poolDir = dir.resolve("pool-" + ++pools);
        String kind = tls ? "TLS" : "insecure";
        try (BenchPool pool = BenchPool.start(poolDir, timeouts, tls)) {
            RatisPoolMember master = pool.member(pool.masterIndex());
            List<VmId> seeded = Benchmark.seedVms(master.pool());
            try (GrpcPoolClient client = GrpcPoolClient.builder()
                    .transportSecurity(pool.clientSecurity())
                    .members(Benchmark.masterFirst(pool.addresses(), master.serviceAddress()))
                    .build()) {
                Throughput remote = PipelinedLoad.run(
                        kind + " remote",
                        window,
                        loadWarmup,
                        loadMeasure,
                        Benchmark.transitions(client.pool(), seeded));
                Throughput embedded = PipelinedLoad.run(
                        kind + " embedded",
                        window,
                        loadWarmup,
                        loadMeasure,
                        Benchmark.transitions(master.pool(), seeded));
                SyncWrites.run(client.pool(), seeded.get(0), SYNC_WARMUP);
                SyncWrites.Latency sync = SyncWrites.run(client.pool(), seeded.get(0), syncWrites);
                return new Run(tls, remote, embedded, sync);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            Benchmark.deleteTree(poolDir);
        }
    }

    /**
     * Which TLS implementation each of the two Netty copies picks by default (the members' and client's PoolService
     * on grpc-netty-shaded; Ratis on ratis-thirdparty): both bundle netty-tcnative (BoringSSL), used when it loads.
     */
    static String providers() {
        try {
            String grpc = io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient()
                    .build()
                    .getClass()
                    .getSimpleName();
            String ratis = org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts.forClient()
                    .build()
                    .getClass()
                    .getSimpleName();
            return String.format(
                    "PoolService (grpc-netty-shaded): %s, OpenSsl %s; Raft (ratis-thirdparty): %s, OpenSsl %s",
                    grpc,
                    io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl.isAvailable()
                            ? io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl.versionString()
                            : "unavailable",
                    ratis,
                    org.apache.ratis.thirdparty.io.netty.handler.ssl.OpenSsl.isAvailable()
                            ? org.apache.ratis.thirdparty.io.netty.handler.ssl.OpenSsl.versionString()
                            : "unavailable");
        } catch (SSLException e) {
            return "unknown (" + e + ")";
        }
    }
}
