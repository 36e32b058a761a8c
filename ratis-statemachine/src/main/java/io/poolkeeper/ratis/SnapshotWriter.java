package io.poolkeeper.ratis;

import io.poolkeeper.codec.SnapshotCodec;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.proto.PoolSnapshot;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;

/**
 * Writes the pool's snapshots on a thread of its own. Ratis asks for a snapshot on its apply thread; the state is
 * immutable, so handing it over costs nothing there, where encoding and writing it made every write wait (100 to
 * 300 ms at the request window's cap of 250,000 ids, each time; docs/BENCHMARKS.md, session 13).
 *
 * <p>Ratis learns of a snapshot on its first request after the snapshot is complete ({@link #take} returns its index
 * then), and only then purges the log it covers; until then, or if a write fails, the log is kept and the snapshot
 * before stays the latest. Meanwhile Ratis asks again after every applied entry, and cleans up after each request
 * ({@link PoolSnapshotStorage} makes that free while no snapshot is new). One snapshot is written at a time.
 *
 * <p>Ratis asks for one every so many log entries, whatever their size. A snapshot is written only once the log since
 * the last one holds at least a quarter of its size: entries of one command each (one synchronous writer) would
 * otherwise have the whole request window, up to 13.7 MB, rewritten for every 4,096 commands, the disk and CPU it
 * takes slowing every write meanwhile. A restart then replays at most that much log after loading the snapshot.
 *
 * <p>Thread-safe: {@link #take} is called on the apply thread, {@link #awaitWritten} when the state machine pauses
 * or closes. Public for {@link #writeDurably} only; not part of the poolkeeper API.
 */
public final class SnapshotWriter implements AutoCloseable {
    /** The next snapshot is due once the log since the last one holds 1/4 of that one's size. */
    static final int SNAPSHOT_BYTES_PER_LOG_BYTE = 4;

    /** How long a pause or close waits for a snapshot being written. */
    private static final long WAIT_MILLIS = 30_000;

    private final SimpleStateMachineStorage storage;
    private final ExecutorService thread;

    /** The snapshot being written, or written and not yet reported to Ratis; guarded by {@code this}. */
    private CompletableFuture<TermIndex> writing;

    /** Log bytes applied since the last snapshot was started; guarded by {@code this}. */
    private long logged;

    /** The size of the latest snapshot, -1 until known; guarded by {@code this}. */
    private long snapshotBytes = -1;

    SnapshotWriter(SimpleStateMachineStorage storage, String name) {
        this.storage = storage;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The index of a snapshot completed since the last call, if there is one; otherwise -1, after starting to write
     * {@code state} as the snapshot at {@code last} unless one is being written already ({@code beforeWrite} runs on
     * the caller's thread first).
     *
     * @throws IOException the last snapshot could not be written (the next one starts once due, as after a written
     *     one)
     */
    synchronized long take(AppliedState state, TermIndex last, Runnable beforeWrite) throws IOException {
        if (writing != null) {
            if (!writing.isDone()) {
                return -1;
            }
            CompletableFuture<TermIndex> done = writing;
            writing = null;
            try {
                return done.join().getIndex();
            } catch (CompletionException e) {
                throw new IOException("snapshot not written: " + e.getCause(), e.getCause());
            }
        }
        if (logged * SNAPSHOT_BYTES_PER_LOG_BYTE < latestSnapshotBytes()) {
            return -1;
        }
        beforeWrite.run();
        try {
            writing = CompletableFuture.supplyAsync(() -> write(state, last), thread);
        } catch (RejectedExecutionException e) {
            // Ratis handles an IOException from takeSnapshot; anything else would end its apply thread.
            throw new IOException("snapshot writer closed", e);
        }
        logged = 0;
        return -1;
    }

    /** Counts the log data of an entry applied (on the apply thread). */
    synchronized void logged(long bytes) {
        logged += bytes;
    }

    private long latestSnapshotBytes() {
        if (snapshotBytes < 0) {
            SingleFileSnapshotInfo latest = storage.getLatestSnapshot();
            snapshotBytes = latest == null ? 0 : latest.getFile().getFileSize();
        }
        return snapshotBytes;
    }

    /** Waits (at most {@link #WAIT_MILLIS}) until no snapshot is being written; a failed one is left to take. */
    void awaitWritten() {
        awaitWritten(WAIT_MILLIS);
    }

    /** Waits (at most {@code timeoutMillis}) until no snapshot is being written; a failed one is left to take. */
    void awaitWritten(long timeoutMillis) {
        CompletableFuture<TermIndex> pending;
        synchronized (this) {
            pending = writing;
        }
        if (pending == null) {
            return;
        }
        try {
            pending.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Reported by the next take(), or lost with the closing state machine: the snapshot before stays.
        }
    }

    private TermIndex write(AppliedState state, TermIndex last) {
        try {
            File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
            PoolSnapshot snapshot = SnapshotCodec.encode(state.state(), last.getIndex()).toBuilder()
                    .setLastEventSequence(state.sequence())
                    .build();
            // Write aside, then publish complete: log appenders look for the latest snapshot concurrently
            // (SimpleStateMachineStorage.getLatestSnapshot scans the directory while none is cached) and would cache a
            // half-written file under its final name, with its size at that moment and no digest, and send a new
            // member that truncated snapshot.
            Path partial = file.toPath().resolveSibling(file.getName() + ".partial");
            writeDurably(snapshot, partial);
            MD5Hash md5 = MD5FileUtil.computeMd5ForFile(partial.toFile());
            MD5FileUtil.saveMD5File(file, md5);
            Files.move(partial, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // Only ever forward: a snapshot installed from the leader meanwhile stays the latest.
            FileInfo written = new FileInfo(file.toPath(), md5);
            storage.updateLatestSnapshot(new SingleFileSnapshotInfo(written, last));
            synchronized (this) {
                snapshotBytes = written.getFileSize();
            }
            return last;
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    /**
     * Writes {@code snapshot} to {@code file} and forces it to the disk: the write of every snapshot (public for the
     * scale benchmark, which times it).
     */
    public static void writeDurably(PoolSnapshot snapshot, Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
                OutputStream out = Channels.newOutputStream(channel)) {
            snapshot.writeTo(out);
            out.flush();
            channel.force(true);
        }
    }

    /** Lets a snapshot being written finish (bounded), then stops the thread. */
    @Override
    public void close() {
        awaitWritten();
        thread.shutdownNow();
    }
}
