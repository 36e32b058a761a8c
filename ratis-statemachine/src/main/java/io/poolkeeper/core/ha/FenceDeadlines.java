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
 * the survivor's. The survivor's wait exceeds that by ε − D·ρ, which {@link #of} requires to be positive: the margin
 * ε (two heartbeat intervals by default) also covers the heartbeat in flight when the link broke. With DESIGN's
 * values (D = W = T, ρ = 0.1, ε = 2 · max(1 s, T/10)) the margin is at least a tenth of T.
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

    /** DESIGN §6's values for the HA timeout T: D = W = T, ρ = 0.1, ε = two heartbeat intervals. */
    public static FenceDeadlines of(Duration haTimeout) {
        return new FenceDeadlines(
                haTimeout, haTimeout, 0.1, heartbeatInterval(haTimeout).multipliedBy(2));
    }

    /** How often HA members heartbeat each other: every {@code max(1 s, T/10)}. */
    public static Duration heartbeatInterval(Duration haTimeout) {
        Duration tenth = haTimeout.dividedBy(10);
        return tenth.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : tenth;
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
        return lastContact + detection.toNanos() + stretched(fenceWindow) + margin.toNanos();
    }

    /** {@code d·(1+ρ)} in nanoseconds, rounded up, in decimal so that 30 s × 1.1 is 33 s exactly. */
    private long stretched(Duration d) {
        return new BigDecimal(d.toNanos())
                .multiply(BigDecimal.ONE.add(BigDecimal.valueOf(drift)))
                .setScale(0, RoundingMode.CEILING)
                .longValueExact();
    }
}
