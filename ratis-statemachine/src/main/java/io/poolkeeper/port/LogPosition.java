package io.poolkeeper.port;

/**
 * The place of the last entry of a member's Raft log, committed or not: (0, 0) in no group. Raft's order of these
 * ({@link #compareTo}: term, then index) says whose log is the most up to date.
 *
 * @param term the entry's term
 * @param index the entry's index
 */
public record LogPosition(long term, long index) implements Comparable<LogPosition> {
    /** No log. */
    public static final LogPosition NONE = new LogPosition(0, 0);

    @Override
    public int compareTo(LogPosition other) {
        int byTerm = Long.compare(term, other.term);
        return byTerm != 0 ? byTerm : Long.compare(index, other.index);
    }
}
