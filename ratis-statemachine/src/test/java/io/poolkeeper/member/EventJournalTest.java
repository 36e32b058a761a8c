package io.poolkeeper.member;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolEvent;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk event journal: what is appended reads back; a torn or corrupt tail is cut, never fatal. */
@Timeout(10)
class EventJournalTest {
    private static final String GROUP = "02511d6b-0000-4000-8000-000000000001";

    @TempDir
    Path dir;

    @Test
    void appendedEventsReadBackInOrderAcrossSegments() {
        List<PoolEvent> written = events(1, 10);
        try (EventJournal journal = new EventJournal(dir, 3)) {
            assertEquals(List.of(), journal.open(GROUP));
            journal.append(written.subList(0, 4));
            journal.append(written.subList(4, 10));
            journal.sync();
        }
        try (EventJournal journal = new EventJournal(dir, 3)) {
            assertEquals(written, journal.open(GROUP));
            // And it goes on after what it read.
            journal.append(events(11, 12));
        }
        assertEquals(events(1, 12), new EventJournal(dir, 3).open(GROUP));
    }

    @Test
    void aTornTailIsDroppedAndTheJournalGoesOnAfterTheLastWholeEvent() throws IOException {
        try (EventJournal journal = new EventJournal(dir, 100)) {
            journal.open(GROUP);
            journal.append(events(1, 5));
        }
        Path segment = onlySegment();
        long size = Files.size(segment);
        try (FileChannel c = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            c.truncate(size - 3); // the crash came in the middle of event 5
        }
        try (EventJournal journal = new EventJournal(dir, 100)) {
            assertEquals(events(1, 4), journal.open(GROUP));
            journal.append(events(5, 6));
        }
        assertEquals(events(1, 6), new EventJournal(dir, 100).open(GROUP));
    }

    @Test
    void aCorruptRecordEndsTheJournalThereAndGarbageAfterTheLastRecordIsCut() throws IOException {
        try (EventJournal journal = new EventJournal(dir, 100)) {
            journal.open(GROUP);
            journal.append(events(1, 5));
        }
        Path segment = onlySegment();
        byte[] bytes = Files.readAllBytes(segment);
        int third = recordOffset(bytes, 2);
        bytes[third + 10] ^= 0x5a; // a flipped byte inside event 3: its checksum fails
        Files.write(segment, bytes);
        assertEquals(events(1, 2), new EventJournal(dir, 100).open(GROUP));

        // Zeros after the last record (a file extended but never written) are no event either.
        Files.write(segment, new byte[64], StandardOpenOption.APPEND);
        try (EventJournal journal = new EventJournal(dir, 100)) {
            assertEquals(events(1, 2), journal.open(GROUP));
            journal.append(events(3, 3));
        }
        assertEquals(events(1, 3), new EventJournal(dir, 100).open(GROUP));
    }

    @Test
    void anotherGroupsEventsAreDeleted() throws IOException {
        try (EventJournal journal = new EventJournal(dir, 2)) {
            journal.open(GROUP);
            journal.append(events(1, 5));
        }
        try (EventJournal journal = new EventJournal(dir, 2)) {
            assertEquals(List.of(), journal.open("another-group"));
            journal.append(events(1, 1));
        }
        assertEquals(List.of(), new EventJournal(dir, 2).open(GROUP));
        assertEquals(List.of(), segments());
    }

    @Test
    void trimmingDeletesWholeSegmentsOlderThanTheOldestRetained() throws IOException {
        try (EventJournal journal = new EventJournal(dir, 3)) {
            journal.open(GROUP);
            journal.append(events(1, 10)); // segments from 1, 4, 7, 10
            journal.trim(8);
        }
        assertEquals(events(7, 10), new EventJournal(dir, 3).open(GROUP));
        assertEquals(2, segments().size());
    }

    @Test
    void afterARestartOfHistoryTheNextEventMayStartAnywhere() {
        try (EventJournal journal = new EventJournal(dir, 3)) {
            journal.open(GROUP);
            journal.append(events(1, 5));
            journal.restart(); // a snapshot installed at 40
            journal.append(events(41, 42));
        }
        assertEquals(events(41, 42), new EventJournal(dir, 3).open(GROUP));
    }

    @Test
    void aMissingSegmentEndsHistoryBeforeIt() throws IOException {
        try (EventJournal journal = new EventJournal(dir, 3)) {
            journal.open(GROUP);
            journal.append(events(1, 9)); // segments from 1, 4, 7
        }
        Files.delete(segments().get(1));
        assertEquals(events(1, 3), new EventJournal(dir, 3).open(GROUP));
        assertEquals(1, segments().size());
    }

    @Test
    void aJournalThatCannotBeWrittenKeepsNothingAndThrowsNothing() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        try (EventJournal journal = new EventJournal(notADirectory, 3)) {
            assertEquals(List.of(), journal.open(GROUP));
            journal.append(events(1, 5));
            journal.trim(3);
            journal.sync();
            journal.restart();
        }
        assertEquals("x", Files.readString(notADirectory));
    }

    private static List<PoolEvent> events(long from, long to) {
        return LongStream.rangeClosed(from, to)
                .mapToObj(t -> {
                    TreeMap<String, String> params = new TreeMap<>();
                    params.put("name-label", "vm-" + t);
                    return t % 3 == 0
                            ? new PoolEvent(
                                    t,
                                    PoolEvent.Kind.REJECTED,
                                    "vm-param-set",
                                    params,
                                    Optional.of(ErrorCode.HANDLE_INVALID))
                            : new PoolEvent(t, PoolEvent.Kind.CHANGE, "vm-create", params, Optional.empty());
                })
                .toList();
    }

    /** Where the {@code n}th record (from 0) starts: each is a length, a checksum, then that many bytes. */
    private static int recordOffset(byte[] bytes, int n) {
        int at = 0;
        for (int i = 0; i < n; i++) {
            int length = ((bytes[at] & 0xff) << 24)
                    | ((bytes[at + 1] & 0xff) << 16)
                    | ((bytes[at + 2] & 0xff) << 8)
                    | (bytes[at + 3] & 0xff);
            at += 8 + length;
        }
        return at;
    }

    private Path onlySegment() throws IOException {
        List<Path> all = segments();
        assertEquals(1, all.size(), "segments " + all);
        return all.get(0);
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> all =
                    files.filter(f -> f.toString().endsWith(".events")).sorted().toList();
            assertTrue(all.stream().allMatch(Files::isRegularFile));
            return all;
        }
    }
}
