package io.poolkeeper.examples.bench;

import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.model.VmId;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Master killed, then first successful write, trial after trial: kill whichever member is master (as a crash: it
 * stops at once, without a goodbye) while two probes keep writing (a remote {@link PoolClient} given every member's
 * address, and the embedded pool of a surviving member), measure when writes resume, then restart the killed member
 * on its directory so the next trial starts with three members.
 *
 * <p>Writes resume with the first acknowledgement after the outage the kill caused (the longest time without one):
 * that write was committed by the new master, or retried onto it by the client. The outage itself runs from the last
 * acknowledgement before it: a crashed master stops at once, so for a crash outage and resume are the same, but a
 * member killed in-process may keep its Raft server up for a moment ("old last ack" shows how long).
 */
final class Failover {
    private static final Duration RESUME_TIMEOUT = Duration.ofSeconds(30);

    /**
     * One trial; times in milliseconds after the kill.
     *
     * @param killed the host killed
     * @param electedMillis a survivor acting as master (Raft leader, its first entry applied)
     * @param remoteResumeMillis the first write acknowledged through the remote client after the outage
     * @param remoteOutageMillis the remote client's outage: its last acknowledgement before to its first after
     * @param embeddedResumeMillis the first write acknowledged through a surviving member's embedded pool after it
     * @param embeddedOutageMillis the embedded pool's outage
     * @param lastOldAckMillis the last write acknowledged before the outage (remote probe; negative: before the kill)
     * @param killMillis how long killing the member took
     * @param loadAverage the 1-minute load average after the trial
     */
    record Trial(
            String killed,
            double electedMillis,
            double remoteResumeMillis,
            double remoteOutageMillis,
            double embeddedResumeMillis,
            double embeddedOutageMillis,
            double lastOldAckMillis,
            double killMillis,
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
                System.out.printf("trial %d: killing %s (master) at %s%n", n + 1, killed, LocalTime.now());
                long killedAt = System.nanoTime();
                CompletableFuture<Long> stopped = CompletableFuture.supplyAsync(() -> {
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
                long stoppedAt = stopped.join();
                WriteProbe.Outage remoteOutage = remote.outage(killedAt);
                WriteProbe.Outage embeddedOutage = embedded.outage(killedAt);
                results.add(new Trial(
                        killed,
                        (electedAt[0] - killedAt) / 1e6,
                        (remoteOutage.firstAfter() - killedAt) / 1e6,
                        remoteOutage.millis(),
                        (embeddedOutage.firstAfter() - killedAt) / 1e6,
                        embeddedOutage.millis(),
                        (remoteOutage.lastBefore() - killedAt) / 1e6,
                        (stoppedAt - killedAt) / 1e6,
                        LoadAverage.oneMinute()));
            }
            pool.restart(master);
            pool.awaitSettled();
        }
        return results;
    }
}
