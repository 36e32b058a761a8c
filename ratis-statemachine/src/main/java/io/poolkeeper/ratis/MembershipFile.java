package io.poolkeeper.ratis;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * Which pool and generation a member's storage directory belongs to, so a restarted member recovers its own Raft
 * group. Written atomically (write, then rename).
 *
 * @param poolUuid the pool
 * @param generation the pool generation (the Raft group)
 */
public record MembershipFile(String poolUuid, long generation) {
    private static final String NAME = "membership.properties";

    static Optional<MembershipFile> read(Path storage) {
        Path file = storage.resolve(NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return Optional.of(new MembershipFile(p.getProperty("pool"), Long.parseLong(p.getProperty("generation"))));
    }

    void write(Path storage) {
        Properties p = new Properties();
        p.setProperty("pool", poolUuid);
        p.setProperty("generation", Long.toString(generation));
        Path tmp = storage.resolve(NAME + ".tmp");
        try {
            Files.createDirectories(storage);
            try (Writer out = Files.newBufferedWriter(tmp)) {
                p.store(out, "poolkeeper membership");
            }
            Files.move(tmp, storage.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write membership to " + storage, e);
        }
    }

    static void delete(Path storage) {
        try {
            Files.deleteIfExists(storage.resolve(NAME));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
