package io.poolkeeper.ratis;

import io.poolkeeper.codec.SnapshotCodec;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.proto.PoolSnapshot;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Optional;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;

/**
 * Reads a snapshot file that {@link SnapshotWriter} wrote (or Ratis installed from the leader's): its digest checked
 * when it has one, its {@link PoolSnapshot} decoded. Stateless.
 */
final class SnapshotReader {
    private SnapshotReader() {}

    /** A snapshot read: the state it holds and the log entry it was taken at. */
    record Loaded(AppliedState state, TermIndex last) {}

    /**
     * The state {@code snapshot} holds; empty when there is none (no snapshot yet, or its file is gone).
     *
     * @throws IOException when the file cannot be read, does not match its digest, or does not decode
     */
    static Optional<Loaded> read(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null || !Files.exists(snapshot.getFile().getPath())) {
            return Optional.empty();
        }
        File file = snapshot.getFile().getPath().toFile();
        if (snapshot.getFile().getFileDigest() != null) {
            MD5FileUtil.verifySavedMD5(file, snapshot.getFile().getFileDigest());
        }
        PoolSnapshot proto;
        try (InputStream in = Files.newInputStream(file.toPath())) {
            proto = PoolSnapshot.parseFrom(in);
        }
        TermIndex last = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(file);
        return Optional.of(new Loaded(
                new AppliedState(SnapshotCodec.decode(proto), last.getIndex(), proto.getLastEventSequence()), last));
    }
}
