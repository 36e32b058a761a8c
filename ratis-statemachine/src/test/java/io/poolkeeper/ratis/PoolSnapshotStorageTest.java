package io.poolkeeper.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Old snapshots are cleaned up once after each new one, not on every request while none is new. */
@Timeout(30)
class PoolSnapshotStorageTest {
    private static final SnapshotRetentionPolicy KEEP_TWO = new SnapshotRetentionPolicy() {
        @Override
        public int getNumSnapshotsRetained() {
            return 2;
        }
    };

    @TempDir
    Path dir;

    private final PoolSnapshotStorage storage = new PoolSnapshotStorage();

    @BeforeEach
    void initStorage() throws IOException {
        storage.init(RaftStorages.formatted(dir));
    }

    @Test
    void oldSnapshotsAreCleanedUpOnceAfterEachNewOne() throws IOException {
        snapshot(10);
        snapshot(20);
        snapshot(30);
        storage.cleanupOldSnapshots(KEEP_TWO);
        assertEquals(List.of(20L, 30L), snapshotIndexes(), "what an earlier run left is cleaned up at first");

        snapshot(5); // past retention, but no new latest snapshot: not looked for
        storage.cleanupOldSnapshots(KEEP_TWO);
        assertEquals(List.of(5L, 20L, 30L), snapshotIndexes());

        storage.updateLatestSnapshot(snapshot(40));
        storage.cleanupOldSnapshots(KEEP_TWO);
        assertEquals(List.of(30L, 40L), snapshotIndexes(), "a new snapshot: the directory is looked over again");
    }

    private SingleFileSnapshotInfo snapshot(long index) throws IOException {
        File file = storage.getSnapshotFile(1, index);
        Files.writeString(file.toPath(), "snapshot " + index, StandardCharsets.UTF_8);
        MD5Hash md5 = MD5FileUtil.computeMd5ForFile(file);
        MD5FileUtil.saveMD5File(file, md5);
        return new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), TermIndex.valueOf(1, index));
    }

    private List<Long> snapshotIndexes() throws IOException {
        Path snapshots = storage.getSnapshotFile(1, 0).toPath().getParent();
        try (Stream<Path> files = Files.list(snapshots)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith("snapshot.") && !name.endsWith(".md5"))
                    .map(name -> Long.parseLong(name.substring(name.indexOf('_') + 1)))
                    .sorted()
                    .toList();
        }
    }
}
