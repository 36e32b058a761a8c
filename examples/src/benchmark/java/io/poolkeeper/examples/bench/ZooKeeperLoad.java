package io.poolkeeper.examples.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * The pool workload's ZooKeeper equivalent, through the ZooKeeper Java client attached to one server: about
 * {@value #SEEDED} seeded znodes of {@value #DATA_BYTES} bytes (a VM record's size, give or take), and of every four
 * operations one {@code create}, one {@code delete} of a znode this workload created and two {@code setData} on
 * random seeded znodes, all asynchronous, so {@link PipelinedLoad} keeps a window of them in flight. Compiled in the
 * {@code benchmark} profile only (the ZooKeeper client is on no other class path).
 */
public final class ZooKeeperLoad implements ZooKeeperClient {
    static final int SEEDED = 1_000;
    static final int DATA_BYTES = 200;
    private static final String ROOT = "/bench";

    private final ZooKeeper zk;
    private final List<String> seeded = new ArrayList<>();
    private final Queue<String> created = new ConcurrentLinkedQueue<>();
    private final AtomicLong names = new AtomicLong();
    private final byte[] data = new byte[DATA_BYTES];

    private ZooKeeperLoad(ZooKeeper zk) {
        this.zk = zk;
        Arrays.fill(data, (byte) 'x');
    }

    /** A client of the server at {@code address} only, connected. */
    public static ZooKeeperLoad connect(String address) throws IOException, InterruptedException {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(address, 30_000, event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(30, TimeUnit.SECONDS)) {
            zk.close();
            throw new IllegalStateException("ZooKeeper client not connected to " + address + " after 30 s");
        }
        return new ZooKeeperLoad(zk);
    }

    @Override
    public void seed() throws KeeperException, InterruptedException {
        zk.create(ROOT, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < SEEDED; i++) {
            pending.add(create(ROOT + "/seed-" + i));
        }
        pending.forEach(CompletableFuture::join);
        use(seededPaths());
    }

    @Override
    public List<String> seededPaths() {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < SEEDED; i++) {
            paths.add(ROOT + "/seed-" + i);
        }
        return paths;
    }

    @Override
    public void use(List<String> paths) {
        seeded.clear();
        seeded.addAll(paths);
    }

    @Override
    public Supplier<CompletableFuture<?>> operations() {
        return () -> {
            long n = names.incrementAndGet();
            if (n % 4 == 0) {
                String path = ROOT + "/b-" + n + "-" + System.identityHashCode(this);
                return create(path).thenRun(() -> created.add(path));
            }
            String doomed = n % 4 == 2 ? created.poll() : null;
            if (doomed != null) {
                return delete(doomed);
            }
            return setData(seeded.get(ThreadLocalRandom.current().nextInt(seeded.size())));
        };
    }

    @Override
    public void setDataSync() {
        try {
            zk.setData(seeded.get(0), data, -1);
        } catch (KeeperException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private CompletableFuture<Void> create(String path) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        zk.create(
                path,
                data,
                ZooDefs.Ids.OPEN_ACL_UNSAFE,
                CreateMode.PERSISTENT,
                (rc, p, ctx, name) -> complete(done, rc, p),
                null);
        return done;
    }

    private CompletableFuture<Void> delete(String path) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        zk.delete(path, -1, (rc, p, ctx) -> complete(done, rc, p), null);
        return done;
    }

    private CompletableFuture<Void> setData(String path) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        zk.setData(path, data, -1, (rc, p, ctx, stat) -> complete(done, rc, p), null);
        return done;
    }

    private static void complete(CompletableFuture<Void> done, int rc, String path) {
        if (rc == KeeperException.Code.OK.intValue()) {
            done.complete(null);
        } else {
            done.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), path));
        }
    }

    @Override
    public void close() throws InterruptedException {
        zk.close();
    }
}
