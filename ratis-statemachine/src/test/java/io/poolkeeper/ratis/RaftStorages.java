package io.poolkeeper.ratis;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;

/** Real Ratis storage for tests of the snapshot classes, without a Raft server. */
final class RaftStorages {
    private RaftStorages() {}

    /** A freshly formatted storage in {@code dir}, initialized. */
    static RaftStorage formatted(Path dir) throws IOException {
        RaftStorage raftStorage = RaftStorage.newBuilder()
                .setDirectory(dir.toFile())
                .setOption(RaftStorage.StartupOption.FORMAT)
                .setLogCorruptionPolicy(RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION)
                .setStorageFreeSpaceMin(SizeInBytes.ONE_MB)
                .build();
        raftStorage.initialize();
        return raftStorage;
    }
}
