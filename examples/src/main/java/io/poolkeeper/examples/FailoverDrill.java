package io.poolkeeper.examples;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/**
 * A failover drill: kill the master of a 3-host pool and time the next acknowledged write. The write goes through a
 * {@link PoolClient} given every member, which finds the new master by itself; it carries a request id chosen here,
 * so that if the master dies mid-commit the client's retry is applied once (see {@code Pool.withRequestId}).
 */
public final class FailoverDrill {
    /**
     * What the drill measured.
     *
     * @param killedMaster the master killed
     * @param newMaster the master that acknowledged the write
     * @param written the VM the write created
     * @param killToAck from the kill to the acknowledged write (the kill included: it returns once the ports are free)
     * @param seenByNewMaster whether a linearizable read through the new master holds the write
     */
    public record Result(
            HostId killedMaster, HostId newMaster, VmId written, Duration killToAck, boolean seenByNewMaster) {}

    private FailoverDrill() {}

    public static void main(String[] args) throws Exception {
        Result result = run(Files.createTempDirectory("poolkeeper-failover"), System.out);
        System.out.println("done: the write after the failover was acknowledged in "
                + result.killToAck().toMillis() + " ms");
        System.exit(0);
    }

    public static Result run(Path dir, PrintStream out) {
        try (LoopbackPool pool = LoopbackPool.start(dir, 3);
                PoolClient client = pool.client()) {
            BlockingPool writes = client.pool().blocking();
            long first = System.nanoTime();
            writes.createVm(VmSpec.of("warm-up", 1L << 30, 1)); // the client has found the master
            int master = pool.awaitMaster();
            out.println("the client's first write took " + (System.nanoTime() - first) / 1_000_000
                    + " ms; killing the master " + pool.host(master));

            long start = System.nanoTime();
            pool.kill(master);
            // One logical write, one id: a retry by the client after an unknown outcome is applied once.
            VmId written = writes.withRequestId(UUID.randomUUID().toString())
                    .createVm(VmSpec.of("after-failover", 1L << 30, 1));
            Duration killToAck = Duration.ofNanos(System.nanoTime() - start);

            int next = pool.awaitMaster();
            boolean seen = pool.member(next)
                    .pool()
                    .blocking()
                    .read(ReadConsistency.LINEARIZABLE)
                    .vm(written)
                    .isPresent();
            out.println("new master " + pool.host(next) + "; the next write was acknowledged " + killToAck.toMillis()
                    + " ms after the kill");
            return new Result(pool.host(master), pool.host(next), written, killToAck, seen);
        }
    }
}
