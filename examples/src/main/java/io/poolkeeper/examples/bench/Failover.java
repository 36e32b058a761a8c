package io.poolkeeper.examples.bench;

import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.model.VmId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Master killed, then first successful write, trial after trial: kill whichever member is master while two probes
 * keep writing (a remote {@link PoolClient} given every member's address, and the embedded pool of a surviving
 * member), measure the write outage, then restart the killed member so the next trial starts with three.
 *
 * <p>The outage is the longest time without an acknowledged write: from the last write the old master acknowledged
 * to the first one after a new master took over. A crashed master stops at once, so there the outage starts at the
 * kill; {@code close()} is gentler, and the dying master may still commit for a moment after it was called, which is
 * why the outage is not measured from the call (that time is reported too, as "old master last ack").
 */
final class Failover {
    private static final Duration RESUME_TIMEOUT = Duration.ofSeconds(30);

    /**
     * One trial; times in milliseconds after the kill (the call to close).
     *
     * @param killed the host killed
     * @param electedMillis a survivor acting as master (Raft leader ready)
     * @param lastOldAckMillis the last write acknowledged before the outage (remote probe; may be negative)
     * @param remoteOutageMillis the remote client's outage
     * @param embeddedOutageMillis the embedded pool's (on a surviving member) outage
     * @param closeMillis how long the killed member's close took
     * @param loadAverage the 1-minute load average after the trial
     */
    record Trial(
            String killed,
            double electedMillis,
            double lastOldAckMillis,
            double remoteOutageMillis,
            double embeddedOutageMillis,
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
                    WriteProbe embedded =
                            new WriteProbe("embedded", pool.member(survivor).pool(), embeddedVm)) {
                long warm = System.nanoTime();
                Poll.until(
                        "probes writing before the kill",
                        RESUME_TIMEOUT,
                        () -> remote.acknowledgedSentAfter(warm) && embedded.acknowledgedSentAfter(warm));
                long killedAt = System.nanoTime();
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
                    // An attempt sent once the new master acts and acknowledged: the outage is over for both.
                    return electedAt[0] != 0
                            && remote.acknowledgedSentAfter(electedAt[0])
                            && embedded.acknowledgedSentAfter(electedAt[0]);
                });
                long closedAt = closed.join();
                WriteProbe.Outage remoteOutage = remote.outage(killedAt);
                results.add(new Trial(
                        killed,
                        (electedAt[0] - killedAt) / 1e6,
                        (remoteOutage.lastBefore() - killedAt) / 1e6,
                        remoteOutage.millis(),
                        embedded.outage(killedAt).millis(),
                        (closedAt - killedAt) / 1e6,
                        LoadAverage.oneMinute()));
            }
            pool.restart(master);
            pool.awaitSettled();
        }
        return results;
    }
}
