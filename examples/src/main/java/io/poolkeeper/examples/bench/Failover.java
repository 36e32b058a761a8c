package io.poolkeeper.examples.bench;

import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.model.VmId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Master killed, then first successful write, trial after trial: kill whichever member is master, measure from the
 * kill to the first acknowledged write of two probes (a remote {@link PoolClient} given every member's address, and
 * the embedded pool of a surviving member), then restart the killed member so the next trial starts with three.
 */
final class Failover {
    private static final Duration RESUME_TIMEOUT = Duration.ofSeconds(30);

    /**
     * One trial.
     *
     * @param killed the host killed
     * @param electedMillis kill to a survivor acting as master (Raft leader ready)
     * @param remoteMillis kill to the first acknowledged write through the remote client
     * @param embeddedMillis kill to the first acknowledged write through a surviving member's embedded pool
     * @param closeMillis how long the killed member's close took
     * @param loadAverage the 1-minute load average after the trial
     */
    record Trial(
            String killed,
            double electedMillis,
            double remoteMillis,
            double embeddedMillis,
            double closeMillis,
            double loadAverage) {}

    private Failover() {}

    static List<Trial> run(BenchPool pool, PoolClient client, VmId remoteVm, VmId embeddedVm, int trials) {
        List<Trial> results = new ArrayList<>();
        for (int n = 0; n < trials; n++) {
            int master = pool.masterIndex();
            int survivor = (master + 1) % BenchPool.SIZE;
            String killed = pool.member(master).hostId().toString().substring(0, 8);
            try (WriteProbe remote = new WriteProbe("remote", client.pool(), remoteVm);
                    WriteProbe embedded = new WriteProbe("embedded", pool.member(survivor).pool(), embeddedVm)) {
                Poll.until(
                        "probes writing before the kill",
                        RESUME_TIMEOUT,
                        () -> remote.acknowledged() > 0 && embedded.acknowledged() > 0);
                long killedAt = System.nanoTime();
                remote.markKill(killedAt);
                embedded.markKill(killedAt);
                CompletableFuture<Long> closed = CompletableFuture.supplyAsync(() -> {
                    pool.kill(master);
                    return System.nanoTime();
                });
                long[] electedAt = {0};
                Poll.until("a new master and writes resumed", RESUME_TIMEOUT, () -> {
                    if (electedAt[0] == 0
                            && pool.leaderIndex().isPresent()
                            && pool.leaderIndex().getAsInt() != master) {
                        electedAt[0] = System.nanoTime();
                    }
                    return electedAt[0] != 0 && remote.resumed() && embedded.resumed();
                });
                long closedAt = closed.join();
                results.add(new Trial(
                        killed,
                        (electedAt[0] - killedAt) / 1e6,
                        remote.resumeMillis(),
                        embedded.resumeMillis(),
                        (closedAt - killedAt) / 1e6,
                        LoadAverage.oneMinute()));
            }
            pool.restart(master);
            pool.awaitSettled();
        }
        return results;
    }
}
