package io.poolkeeper.member;

import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.codec.EventCodec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events of one Raft group on disk, in a directory of its own: segment files named by their first token, each a
 * sequence of records {@code [length][crc32c][PoolEvent proto]}, plus a {@code group} file naming the Raft group the
 * tokens belong to (tokens start again from 1 in another group).
 *
 * <p>Not forced to disk per event: {@link #sync} is called before the state machine writes a snapshot, so every event
 * up to a snapshot is durable; Raft re-applies what follows it on restart. Reading stops at the first record that is
 * torn, corrupt or out of sequence (a crash mid-write): that tail is cut off and logged, so what {@link #open} returns
 * is always a contiguous run of tokens. An I/O failure while writing stops the journal for this process (logged once):
 * events keep flowing in memory, and after a restart history simply begins later (subscribers get {@code
 * EVENTS_LOST}), never with a gap.
 *
 * <p>Not thread-safe: its owner ({@link EventLog}) serializes calls.
 */
final class EventJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventJournal.class);
    private static final Pattern SEGMENT = Pattern.compile("(\\d{20})\\.events");
    private static final String GROUP = "group";
    /** A record larger than this is garbage (a torn length), not an event. */
    private static final int MAX_RECORD = 16 << 20;

    private final Path dir;
    private final int segmentEvents;
    /** First token → segment file, ascending. */
    private final TreeMap<Long, Path> segments = new TreeMap<>();

    private FileChannel channel;
    private DataOutputStream out;
    private int inSegment;
    private long lastToken;
    private boolean dirChanged;
    private boolean broken;

    /**
     * @param dir the journal's directory (created if missing)
     * @param segmentEvents events per segment file: retention is trimmed a whole segment at a time
     */
    EventJournal(Path dir, int segmentEvents) {
        if (segmentEvents < 1) {
            throw new IllegalArgumentException("segmentEvents must be at least 1, got " + segmentEvents);
        }
        this.dir = dir;
        this.segmentEvents = segmentEvents;
    }

    /**
     * Opens the journal for {@code group}: the events kept for it (a contiguous run, oldest first, possibly empty), or
     * none if it held another group's, which are deleted.
     */
    List<PoolEvent> open(String group) {
        closeSegment();
        segments.clear();
        lastToken = 0;
        try {
            Files.createDirectories(dir);
            Path groupFile = dir.resolve(GROUP);
            String stored = Files.exists(groupFile) ? Files.readString(groupFile, StandardCharsets.UTF_8) : "";
            listSegments();
            if (!stored.equals(group)) {
                deleteSegments();
                Path partial = dir.resolve(GROUP + ".partial");
                Files.writeString(partial, group, StandardCharsets.UTF_8);
                Files.move(partial, groupFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                dirChanged = true;
                broken = false;
                return List.of();
            }
            broken = false;
            return readAll();
        } catch (IOException e) {
            fail("cannot open the event journal", e);
            return List.of();
        }
    }

    /** Appends events that follow the last one without a gap (the first of a new history may start anywhere). */
    void append(List<PoolEvent> events) {
        if (broken || events.isEmpty()) {
            return;
        }
        try {
            for (PoolEvent e : events) {
                if (!segments.isEmpty() && e.token() != lastToken + 1) {
                    // The owner restarts history before a gap; should one reach here, the journal must not hold it.
                    LOG.warn(
                            "event journal {}: event {} does not follow {}; history begins again",
                            dir,
                            e.token(),
                            lastToken);
                    closeSegment();
                    deleteSegments();
                }
                if (out == null || inSegment >= segmentEvents) {
                    startSegment(e.token());
                }
                byte[] payload = EventCodec.encode(e);
                CRC32C crc = new CRC32C();
                crc.update(payload);
                out.writeInt(payload.length);
                out.writeInt((int) crc.getValue());
                out.write(payload);
                inSegment++;
                lastToken = e.token();
            }
            // To the OS, not the disk: a killed process loses nothing; a lost machine is covered by sync and replay.
            out.flush();
        } catch (IOException e) {
            fail("cannot write the event journal", e);
        }
    }

    /** Deletes the segments holding only events older than {@code oldestRetained}. */
    void trim(long oldestRetained) {
        if (broken) {
            return;
        }
        try {
            while (segments.size() > 1) {
                Map.Entry<Long, Path> first = segments.firstEntry();
                Long next = segments.higherKey(first.getKey());
                if (next > oldestRetained) {
                    return;
                }
                Files.deleteIfExists(first.getValue());
                segments.remove(first.getKey());
                dirChanged = true;
            }
        } catch (IOException e) {
            fail("cannot trim the event journal", e);
        }
    }

    /** Forgets every event: history begins again with the next one appended (whatever its token). */
    void restart() {
        closeSegment();
        lastToken = 0;
        if (broken) {
            return;
        }
        try {
            deleteSegments();
        } catch (IOException e) {
            fail("cannot clear the event journal", e);
        }
    }

    /** Forces everything appended so far to disk. */
    void sync() {
        if (broken || out == null && !dirChanged) {
            return;
        }
        try {
            if (out != null) {
                out.flush();
                channel.force(false);
            }
            if (dirChanged) {
                try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                    d.force(true);
                } catch (IOException | UnsupportedOperationException e) {
                    // Some platforms cannot open a directory; the files themselves are forced.
                }
                dirChanged = false;
            }
        } catch (IOException e) {
            fail("cannot sync the event journal", e);
        }
    }

    @Override
    public void close() {
        closeSegment();
    }

    private void startSegment(long firstToken) throws IOException {
        closeSegment();
        Path file = dir.resolve(String.format("%020d.events", firstToken));
        channel = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 64 << 10));
        segments.put(firstToken, file);
        inSegment = 0;
        dirChanged = true;
    }

    private void closeSegment() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.warn("closing the event journal segment failed: {}", e.toString());
            }
        }
        out = null;
        channel = null;
    }

    private void listSegments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                Matcher m = SEGMENT.matcher(f.getFileName().toString());
                if (m.matches()) {
                    segments.put(Long.parseLong(m.group(1)), f);
                }
            });
        }
    }

    private void deleteSegments() throws IOException {
        for (Path f : segments.values()) {
            Files.deleteIfExists(f);
        }
        segments.clear();
        dirChanged = true;
    }

    /** Reads the segments in order; the first bad record ends the journal there (file cut, later files deleted). */
    private List<PoolEvent> readAll() throws IOException {
        List<PoolEvent> events = new ArrayList<>();
        Long endsBefore = null; // the first segment no longer part of the journal
        for (Map.Entry<Long, Path> s : segments.entrySet()) {
            if (!events.isEmpty() && s.getKey() != lastToken + 1) {
                LOG.warn(
                        "event journal {}: {} does not follow token {}; history ends there",
                        dir,
                        s.getValue(),
                        lastToken);
                endsBefore = s.getKey();
                break;
            }
            long goodBytes = readSegment(s.getValue(), s.getKey(), events);
            if (goodBytes >= 0) {
                LOG.warn(
                        "event journal {}: torn or corrupt record in {} after token {} (a crash mid-write?); the tail is"
                                + " dropped",
                        dir,
                        s.getValue().getFileName(),
                        lastToken);
                try (FileChannel c = FileChannel.open(s.getValue(), StandardOpenOption.WRITE)) {
                    c.truncate(goodBytes);
                }
                endsBefore = segments.higherKey(s.getKey());
                break;
            }
        }
        if (endsBefore != null) {
            for (Path dropped : List.copyOf(segments.tailMap(endsBefore).values())) {
                Files.deleteIfExists(dropped);
            }
            segments.tailMap(endsBefore).clear();
        }
        // An empty segment (created, nothing written) would name a later history wrongly: drop it.
        for (Map.Entry<Long, Path> s : List.copyOf(segments.entrySet())) {
            if (Files.size(s.getValue()) == 0) {
                Files.delete(s.getValue());
                segments.remove(s.getKey());
            }
        }
        return events;
    }

    /** Adds the segment's good records to {@code events}; returns -1 if all were good, else the good prefix's length. */
    private long readSegment(Path file, long firstToken, List<PoolEvent> events) throws IOException {
        long good = 0;
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
            long expected = events.isEmpty() ? firstToken : lastToken + 1;
            while (true) {
                int length;
                try {
                    length = in.readInt();
                } catch (EOFException end) {
                    return good == Files.size(file) ? -1 : good;
                }
                if (length < 0 || length > MAX_RECORD) {
                    return good;
                }
                byte[] payload = new byte[length];
                try {
                    int crc = in.readInt();
                    in.readFully(payload);
                    CRC32C check = new CRC32C();
                    check.update(payload);
                    if ((int) check.getValue() != crc) {
                        return good;
                    }
                } catch (EOFException torn) {
                    return good;
                }
                PoolEvent e;
                try {
                    e = EventCodec.decode(payload);
                } catch (RuntimeException bad) {
                    return good;
                }
                if (e.token() != expected) {
                    return good;
                }
                events.add(e);
                lastToken = e.token();
                expected++;
                good += 8L + length;
            }
        }
    }

    private void fail(String what, Exception e) {
        if (!broken) {
            LOG.warn(
                    "{} in {}: events are kept in memory only until restart (then history begins later)", what, dir, e);
        }
        broken = true;
        closeSegment();
    }
}
