package io.poolkeeper.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a member's Raft storage holds on disk (Ratis 3.3.0 layout: {@code raft/<group>/current/log_*} segments and
 * {@code raft/<group>/sm/snapshot.<term>_<index>} files): evidence of snapshots taken or installed and of logs
 * purged, which no API exposes.
 */
final class RaftFiles {
    private static final Pattern SNAPSHOT = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
    private static final Pattern SEGMENT = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");

    private RaftFiles() {}

    /** The log indexes of the snapshots in the member's storage, ascending. */
    static List<Long> snapshotIndexes(Path storage) {
        return names(groupDir(storage).resolve("sm"), SNAPSHOT, 2);
    }

    /** The first log index the member's log holds: 0 unless it was purged or started from a snapshot. */
    static OptionalLong firstLogIndex(Path storage) {
        return names(groupDir(storage).resolve("current"), SEGMENT, 1).stream()
                .mapToLong(Long::longValue)
                .min();
    }

    private static Path groupDir(Path storage) {
        try (Stream<Path> groups = Files.list(storage.resolve("raft"))) {
            List<Path> dirs = groups.filter(Files::isDirectory).toList();
            if (dirs.size() != 1) {
                throw new IllegalStateException("expected one Raft group in " + storage + ", found " + dirs);
            }
            return dirs.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Long> names(Path dir, Pattern pattern, int group) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> pattern.matcher(f.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(m -> Long.parseLong(m.group(group)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
