package io.poolkeeper.port;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An HA member's heartbeat to every other member (DESIGN §6). Arriving, it means "the sender reaches me"; what it
 * carries says whom the sender hears, and how up to date its log is.
 *
 * @param hostUuid the sender (as sent: the receiver validates it)
 * @param poolUuid the sender's pool
 * @param generation the sender's pool generation
 * @param sentNanos the sender's monotonic clock at sending: a receiver keeps only a sender's newest beat
 * @param silentMillis for each host the sender tracks (by uuid), milliseconds since it last heard it (since it armed
 *     HA, if never)
 * @param logTerm the term of the sender's last log entry
 * @param logIndex the index of the sender's last log entry
 */
public record HaBeat(
        String hostUuid,
        String poolUuid,
        long generation,
        long sentNanos,
        SortedMap<String, Long> silentMillis,
        long logTerm,
        long logIndex) {

    public HaBeat {
        Objects.requireNonNull(hostUuid, "hostUuid");
        Objects.requireNonNull(poolUuid, "poolUuid");
        silentMillis = Collections.unmodifiableSortedMap(new TreeMap<>(Map.copyOf(silentMillis)));
    }
}
