package io.poolkeeper.security;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts what the members in this JVM log while it is open: every line written to {@code System.err} (slf4j-simple
 * writes there, looking the stream up at each line) and every {@code java.util.logging} record (gRPC logs there, to a
 * console handler that kept the original stream). Keeps the first lines, for a failure message, and passes them on to
 * the original {@code System.err} so they stay visible.
 *
 * <p>Lines of Raft's own loggers are counted apart and not in {@link #lines()}: the fuzzer talks to PoolService only,
 * and Raft's chatter (an election on a loaded machine, a member of an earlier test class of this JVM still retrying a
 * closed peer) says nothing about how members log bad requests.
 */
final class LogCapture implements AutoCloseable {
    private static final int KEPT = 40;

    private final PrintStream original = System.err;
    private final Logger julRoot = Logger.getLogger("");
    private final List<String> kept = new ArrayList<>();
    private long lines;
    private long stackLines;
    private long julRecords;
    private long julThrown;
    private final StringBuilder current = new StringBuilder();
    private long raftLines;
    /** Whether the line being read belongs to a Raft logger. */
    private boolean raft;

    /** slf4j-simple's line header: {@code [thread] LEVEL logger - }. */
    private static final Pattern HEADER = Pattern.compile("\\[[^\\]]*\\] (?:TRACE|DEBUG|INFO|WARN|ERROR) (\\S+) - ");

    /** Raft's loggers (and its shaded gRPC's): Raft has its own transport, which the fuzzer never reaches. */
    private static final String RAFT = "org.apache.ratis";

    private final Handler julCounter = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (LogCapture.this) {
                if (String.valueOf(record.getLoggerName()).startsWith(RAFT)) {
                    raftLines++;
                    return;
                }
                julRecords++;
                if (record.getThrown() != null) {
                    julThrown++;
                }
                keep("JUL " + record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage()
                        + (record.getThrown() == null ? "" : " [" + record.getThrown() + "]"));
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    private LogCapture() {
        System.setErr(new PrintStream(
                new OutputStream() {
                    @Override
                    public void write(int b) {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        count(new String(b, off, len, StandardCharsets.UTF_8));
                    }
                },
                true,
                StandardCharsets.UTF_8));
        julRoot.addHandler(julCounter);
    }

    /** Starts counting. */
    static LogCapture start() {
        return new LogCapture();
    }

    private synchronized void count(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                String line = current.toString();
                current.setLength(0);
                Matcher header = HEADER.matcher(line);
                if (header.lookingAt()) {
                    raft = header.group(1).startsWith(RAFT);
                }
                // A line without a header (a stack trace) belongs to the last one that had one.
                if (raft) {
                    raftLines++;
                    continue;
                }
                lines++;
                String trimmed = line.strip();
                if (line.startsWith("\tat ") || trimmed.startsWith("Caused by: ")) {
                    stackLines++;
                }
                keep(line);
            } else {
                current.append(c);
            }
        }
    }

    /** Lines of Raft's own loggers, not counted (see the class comment). */
    synchronized long raftLines() {
        return raftLines;
    }

    private void keep(String line) {
        if (kept.size() < KEPT) {
            kept.add(line);
            original.println(line);
        }
    }

    /** Lines written to System.err plus JUL records. */
    synchronized long lines() {
        return lines + julRecords;
    }

    /** Stack-trace lines written to System.err plus JUL records that carry an exception. */
    synchronized long stackTraces() {
        return stackLines + julThrown;
    }

    /** The first lines, for a failure message. */
    synchronized String firstLines() {
        return String.join("\n", kept);
    }

    @Override
    public void close() {
        julRoot.removeHandler(julCounter);
        System.setErr(original);
    }
}
