package io.poolkeeper.examples;

import static org.awaitility.Awaitility.await;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An event follower, as a virtualization manager keeps its own database in step with the pool: a remote
 * {@link PoolClient} watches the event stream from token 0 while VMs are created, the master is killed (the pool's
 * creator, the first address given to the client, so usually the member the stream comes from), more VMs are created
 * under the new master, and the follower sees every event once, in order, with no gap: when its stream breaks, the
 * client resumes after the last token it delivered, on another member. Tokens are the pool's count of applied
 * commands, so a follower that stores the last token it handled resumes with {@code watch(lastToken, ...)} after its
 * own restart too.
 */
public final class EventFollower {
    /**
     * What the follower saw.
     *
     * @param events every event delivered, in delivery order
     * @param lastApplied the pool's applied index after the last write (the token the follower must reach)
     * @param killedMaster the master killed while the follower watched
     * @param newMaster the master elected after it
     */
    public record Result(List<PoolEvent> events, long lastApplied, HostId killedMaster, HostId newMaster) {}

    private EventFollower() {}

    public static void main(String[] args) throws Exception {
        Result result = run(Files.createTempDirectory("poolkeeper-follower"), System.out);
        System.out.println("done: " + result.events().size() + " events, up to token " + result.lastApplied());
        System.exit(0);
    }

    public static Result run(Path dir, PrintStream out) {
        try (LoopbackPool pool = LoopbackPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            List<PoolEvent> seen = new CopyOnWriteArrayList<>();
            try (PoolClient client = pool.client()) {
                BlockingPool writes = client.pool().blocking();
                // The follower: in a real manager, store event.token() with what it changed, and pass the stored
                // token to watch() when the manager restarts.
                Subscription follower = client.pool().watch(0, seen::add);
                for (int i = 0; i < 3; i++) {
                    writes.createVm(VmSpec.of("before-" + i, 1L << 30, 1));
                }
                await().atMost(LoopbackPool.WAIT).until(() -> seen.size() >= 3);
                out.println("following: " + seen.size() + " events so far; killing the master " + pool.host(master));

                pool.kill(master);
                for (int i = 0; i < 3; i++) {
                    writes.createVm(VmSpec.of("after-" + i, 1L << 30, 1)); // the client fails over by itself
                }
                int next = pool.awaitMaster();
                long lastApplied = writes.read(ReadConsistency.LINEARIZABLE).appliedIndex();
                await().atMost(LoopbackPool.WAIT)
                        .until(() ->
                                !seen.isEmpty() && seen.get(seen.size() - 1).token() >= lastApplied);
                follower.close();
                out.println("new master " + pool.host(next) + "; the follower saw tokens "
                        + seen.get(0).token() + ".." + seen.get(seen.size() - 1).token() + " (" + seen.size()
                        + " events)");
                return new Result(List.copyOf(seen), lastApplied, pool.host(master), pool.host(next));
            }
        }
    }
}
