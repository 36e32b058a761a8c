package io.poolkeeper.core.ha;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Objects;

/**
 * The arithmetic of "fence before restart" (DESIGN §6), in one place. Both sides measure from the last contact
 * between them, each on its own monotonic clock:
 *
 * <ul>
 *   <li>the victim notices the loss after the detection time D and, outside a surviving partition, self-fences W
 *       later: {@link #selfFenceAt} = last contact + D + W on its clock;
 *   <li>a survivor may declare the victim dead, and restart its VMs, only at {@link #mayDeclareDeadAt} = last contact
 *       + D + W·(1+ρ) + ε on its own clock.
 * </ul>
 *
 * <p>Why that is safe: clocks drift by at most ρ, so the victim's D + W of its own time is at most (D + W)·(1+ρ) of
 * the survivor's. The survivor's wait exceeds that by ε − D·ρ, which the constructor requires to be positive: the
 * margin ε (two heartbeat intervals by default) also covers the victim learning of the loss up to one heartbeat late
 * (a one-way cut: it still hears the survivors and learns from their next beat that they no longer hear it).
 *
 * <p>{@link #of} splits the HA timeout T between detection and fencing, D = W = T/2, so that a host cut off has
 * fenced T after its last contact and the survivors restart its VMs about 1.05·T + 2 heartbeats after it (37.5 s at
 * the default T = 30 s), where XenServer takes about 2·T. DESIGN §6 had D = W = T, which put the restart at 2.1·T +
 * ε, too late for the ≤ T + 10 s goal.
 *
 * <p>A value; pure, deterministic and thread-safe. Times are nanoseconds of a monotonic clock.
 *
 * @param detection D, how long without contact before a host counts as unreachable
 * @param fenceWindow W, how long a host outside a surviving partition runs before it self-fences
 * @param drift ρ, the largest relative rate difference between two members' monotonic clocks
 * @param margin ε, added on the survivors' side
 */
public record FenceDeadlines(Duration detection, Duration fenceWindow, double drift, Duration margin) {

    public FenceDeadlines {
        Objects.requireNonNull(detection, "detection");
        Objects.requireNonNull(fenceWindow, "fenceWindow");
        Objects.requireNonNull(margin, "margin");
        if (detection.isNegative() || fenceWindow.isNegative() || margin.isNegative()) {
            throw new IllegalArgumentException("negative duration");
        }
        if (!(drift >= 0 && drift < 1)) {
            throw new IllegalArgumentException("drift must be in [0, 1): " + drift);
        }
        if (margin.toNanos() <= detection.toNanos() * drift) {
            throw new IllegalArgumentException("margin " + margin + " must exceed detection x drift (" + detection
                    + " x " + drift + "): a slow victim could still run when survivors restart");
        }
    }

    /** The default heartbeat floor: HA members heartbeat every {@code max(1 s, T/10)}. */
    public static final Duration HEARTBEAT_FLOOR = Duration.ofSeconds(1);

    /** The default drift bound ρ. */
    public static final double DRIFT = 0.1;

    /** For the HA timeout T: D = W = T/2, ρ = 0.1, ε = two heartbeat intervals of {@code max(1 s, T/10)}. */
    public static FenceDeadlines of(Duration haTimeout) {
        return of(haTimeout, HEARTBEAT_FLOOR, DRIFT, 2);
    }

    /**
     * For the HA timeout T with a chosen heartbeat floor (tests run with short timeouts), drift bound and margin in
     * heartbeat intervals: D = W = T/2, ε = {@code marginBeats} × {@link #heartbeatInterval(Duration, Duration)}.
     */
    public static FenceDeadlines of(Duration haTimeout, Duration heartbeatFloor, double drift, int marginBeats) {
        Duration half = haTimeout.dividedBy(2);
        return new FenceDeadlines(
                half, half, drift, heartbeatInterval(haTimeout, heartbeatFloor).multipliedBy(marginBeats));
    }

    /** How often HA members heartbeat each other: every {@code max(1 s, T/10)}, at least every T/4. */
    public static Duration heartbeatInterval(Duration haTimeout) {
        return heartbeatInterval(haTimeout, HEARTBEAT_FLOOR);
    }

    /**
     * Every {@code max(floor, T/10)}, but at least every T/4: the detection time D = T/2 must span two beats, or one
     * late beat fences a healthy host (at T = 1 s and a 1 s floor every host of a healthy pool fenced itself).
     */
    public static Duration heartbeatInterval(Duration haTimeout, Duration floor) {
        Duration tenth = haTimeout.dividedBy(10);
        Duration interval = tenth.compareTo(floor) < 0 ? floor : tenth;
        Duration quarter = haTimeout.dividedBy(4);
        return interval.compareTo(quarter) > 0 ? quarter : interval;
    }

    /**
     * How long every member of a surviving set must have gone without hearing a host before it is provably fenced:
     * D + W·(1+ρ) + ε, in nanoseconds.
     */
    public long declareAfter() {
        return detection.toNanos() + stretched(fenceWindow) + margin.toNanos();
    }

    /** When a host unreachable since {@code lastContact} counts as lost (both sides). */
    public long lostAt(long lastContact) {
        return lastContact + detection.toNanos();
    }

    /** On the victim's clock: when it self-fences, having lost the survivors at {@code lastContact}. */
    public long selfFenceAt(long lastContact) {
        return lastContact + detection.toNanos() + fenceWindow.toNanos();
    }

    /** On a survivor's clock: the earliest it may declare dead a host it last heard at {@code lastContact}. */
    public long mayDeclareDeadAt(long lastContact) {
        return lastContact + declareAfter();
    }

    /**
     * The least that {@code nanos} of this member's clock can last on another's, which may run up to 1+ρ times
     * slower: {@code nanos/(1+ρ)}, rounded toward negative infinity.
     */
    public long leastRemote(long nanos) {
        return new BigDecimal(nanos)
                .divide(BigDecimal.ONE.add(BigDecimal.valueOf(drift)), 0, RoundingMode.FLOOR)
                .longValueExact();
    }

    /**
     * The most that {@code nanos} of this member's clock can last on another's, which may run up to 1+ρ times
     * faster: {@code nanos·(1+ρ)}, rounded toward positive infinity (for a negative stretch: the most negative).
     */
    public long mostRemote(long nanos) {
        BigDecimal scaled = new BigDecimal(nanos).multiply(BigDecimal.ONE.add(BigDecimal.valueOf(drift)));
        return scaled.setScale(0, nanos < 0 ? RoundingMode.FLOOR : RoundingMode.CEILING)
                .longValueExact();
    }

    /** {@code d·(1+ρ)} in nanoseconds, rounded up, in decimal so that 30 s × 1.1 is 33 s exactly. */
    private long stretched(Duration d) {
        return new BigDecimal(d.toNanos())
                .multiply(BigDecimal.ONE.add(BigDecimal.valueOf(drift)))
                .setScale(0, RoundingMode.CEILING)
                .longValueExact();
    }
}
