package io.poolkeeper.ha;

import io.poolkeeper.core.ha.FenceDeadlines;
import java.time.Duration;
import java.util.Objects;

/**
 * How a member runs HA beyond the pool's committed {@code ha-timeout}: the heartbeat floor (HA members heartbeat
 * every {@code max(floor, T/10)}), the drift bound ρ and the survivors' margin ε in heartbeat intervals. The defaults
 * are DESIGN §6's; tests shorten the floor to run with timeouts of a few seconds.
 *
 * @param heartbeatFloor the shortest heartbeat interval
 * @param drift ρ, the largest relative rate difference between members' monotonic clocks
 * @param marginBeats ε in heartbeat intervals (at least 2: one late heartbeat, plus tick and transit)
 */
public record HaSettings(Duration heartbeatFloor, double drift, int marginBeats) {

    public HaSettings {
        Objects.requireNonNull(heartbeatFloor, "heartbeatFloor");
        if (heartbeatFloor.isNegative() || heartbeatFloor.isZero()) {
            throw new IllegalArgumentException("heartbeatFloor must be positive");
        }
        if (marginBeats < 2) {
            throw new IllegalArgumentException("marginBeats must be at least 2, got " + marginBeats);
        }
    }

    /** DESIGN §6: a 1 s floor, ρ = 0.1, ε = two heartbeats. */
    public static HaSettings defaults() {
        return new HaSettings(FenceDeadlines.HEARTBEAT_FLOOR, FenceDeadlines.DRIFT, 2);
    }

    /** The deadlines for the pool's HA timeout T. */
    public FenceDeadlines deadlines(Duration haTimeout) {
        return FenceDeadlines.of(haTimeout, heartbeatFloor, drift, marginBeats);
    }

    /** How often HA members heartbeat each other for the HA timeout T. */
    public Duration heartbeatInterval(Duration haTimeout) {
        return FenceDeadlines.heartbeatInterval(haTimeout, heartbeatFloor);
    }
}
