package io.poolkeeper.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.codec.SnapshotCodec;
import io.poolkeeper.core.AppliedRequests;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Result;
import io.poolkeeper.proto.PoolSnapshot;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.util.FileUtils;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots are written on the writer's thread: the apply thread hands the state over and learns of the snapshot on
 * its next request, a failed write is reported there and written again after, and a snapshot is due only once the log
 * since the last one holds a quarter of its size.
 */
@Timeout(30)
class SnapshotWriterTest {
    @TempDir
    Path dir;

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final AtomicInteger beforeWrites = new AtomicInteger();

    @BeforeEach
    void initStorage() throws IOException {
        storage.init(RaftStorages.formatted(dir));
    }

    @Test
    void theSnapshotIsWrittenAsideAndReportedOnTheNextRequest() throws Exception {
        AppliedState state = stateWithRequests(5_000);
        try (SnapshotWriter writer = new SnapshotWriter(storage, "test-snapshot-writer")) {
            assertEquals(-1, writer.take(state, TermIndex.valueOf(2, 40), beforeWrites::incrementAndGet));
            writer.awaitWritten(20_000);

            assertEquals(40, writer.take(state, TermIndex.valueOf(2, 41), beforeWrites::incrementAndGet));
            assertEquals(1, beforeWrites.get(), "a report starts no write");
            assertEquals(40, storage.getLatestSnapshot().getIndex());
            File file = storage.getSnapshotFile(2, 40);
            PoolSnapshot written;
            try (InputStream in = Files.newInputStream(file.toPath())) {
                written = PoolSnapshot.parseFrom(in);
            }
            assertEquals(state.state(), SnapshotCodec.decode(written));
            assertEquals(state.sequence(), written.getLastEventSequence());

            long size = Files.size(file.toPath());
            writer.logged(size / SnapshotWriter.SNAPSHOT_BYTES_PER_LOG_BYTE - 1);
            assertEquals(-1, writer.take(state, TermIndex.valueOf(2, 42), beforeWrites::incrementAndGet));
            writer.awaitWritten(20_000);
            assertEquals(40, storage.getLatestSnapshot().getIndex(), "just short of a quarter: no snapshot yet");
            assertEquals(1, beforeWrites.get());

            writer.logged(SnapshotWriter.SNAPSHOT_BYTES_PER_LOG_BYTE);
            assertEquals(-1, writer.take(state, TermIndex.valueOf(2, 43), beforeWrites::incrementAndGet));
            assertEquals(2, beforeWrites.get(), "a quarter of the last snapshot logged: the next write starts");
            writer.awaitWritten(20_000);
            assertEquals(43, writer.take(state, TermIndex.valueOf(2, 44), beforeWrites::incrementAndGet));
        }
    }

    @Test
    void aFailedWriteIsReportedOnceAndTheNextRequestWritesAgain() throws Exception {
        AppliedState state = stateWithRequests(10);
        File smDir = storage.getSnapshotFile(1, 1).getParentFile();
        FileUtils.deleteFully(smDir);
        try (SnapshotWriter writer = new SnapshotWriter(storage, "test-snapshot-writer")) {
            assertEquals(-1, writer.take(state, TermIndex.valueOf(1, 7), beforeWrites::incrementAndGet));
            writer.awaitWritten(20_000);
            IOException failed =
                    assertThrows(IOException.class, () -> writer.take(state, TermIndex.valueOf(1, 8), () -> {}));
            assertTrue(failed.getMessage().startsWith("snapshot not written"), failed.getMessage());

            assertTrue(smDir.mkdirs());
            assertEquals(-1, writer.take(state, TermIndex.valueOf(1, 9), beforeWrites::incrementAndGet));
            writer.awaitWritten(20_000);
            assertEquals(9, writer.take(state, TermIndex.valueOf(1, 10), beforeWrites::incrementAndGet));
            assertEquals(9, storage.getLatestSnapshot().getIndex());
            assertEquals(2, beforeWrites.get());
        }
    }

    @Test
    void aClosedWriterRefusesWithAnIoExceptionWhichRatisHandles() {
        SnapshotWriter writer = new SnapshotWriter(storage, "test-snapshot-writer");
        writer.close();
        IOException refused = assertThrows(
                IOException.class,
                () -> writer.take(stateWithRequests(1), TermIndex.valueOf(1, 1), beforeWrites::incrementAndGet));
        assertEquals("snapshot writer closed", refused.getMessage());
    }

    private static AppliedState stateWithRequests(int count) {
        AppliedRequests window = AppliedRequests.empty();
        for (int i = 0; i < count; i++) {
            window = window.plus("request-" + i, i, 1_000 + i, Result.DONE);
        }
        return new AppliedState(PoolState.empty().withRequests(window), count, count);
    }
}
