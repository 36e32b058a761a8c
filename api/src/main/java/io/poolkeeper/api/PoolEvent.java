package io.poolkeeper.api;

import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One entry of the pool's event stream. Tokens are pool sequence numbers (the count of commands the pool has applied,
 * the same numbering as {@link PoolView#appliedIndex()} and {@link FencingToken#sequence()}; not Raft log indexes):
 * strictly increasing, and a subscriber that resumes from the last token it saw misses nothing.
 *
 * @param token the pool sequence of the command (XenAPI {@code event.from} token)
 * @param kind what happened
 * @param name the xe operation name ({@code vm-start}) or, for alerts, the alert code
 * @param params the operation's fields as xe spells parameters ({@code vm}, {@code host}, {@code name-label}, ...)
 * @param rejectedWith for {@link Kind#REJECTED}, the code the pool refused the command with
 */
public record PoolEvent(
        long token, Kind kind, String name, SortedMap<String, String> params, Optional<ErrorCode> rejectedWith) {

    /** The kinds of events. */
    public enum Kind {
        /** A command changed the pool. */
        CHANGE,
        /** A command was committed but refused; nothing changed. */
        REJECTED,
        /** The pool raised an alert (for example {@link ErrorCode#DEFAULT_SR_INVALID}). */
        ALERT
    }

    public PoolEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        params = Collections.unmodifiableSortedMap(new TreeMap<>(params));
        Objects.requireNonNull(rejectedWith, "rejectedWith");
    }
}
