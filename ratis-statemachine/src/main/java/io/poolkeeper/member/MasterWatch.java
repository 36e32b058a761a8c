package io.poolkeeper.member;

import java.time.Duration;

/**
 * How long a member has been without a master (DESIGN §4): none for {@code emergency-after} puts it in emergency
 * mode; a master seen again takes it out at once. Fed by the member's monitor; times are the member's
 * {@code Scheduler} nanoseconds.
 *
 * <p>Thread-safe.
 */
final class MasterWatch {
    private final long emergencyAfterNanos;
    private long noMasterSince;
    private boolean masterKnown = true;

    MasterWatch(Duration emergencyAfter, long now) {
        this.emergencyAfterNanos = emergencyAfter.toNanos();
        this.noMasterSince = now;
    }

    synchronized void observe(boolean masterKnownNow, long now) {
        if (masterKnownNow) {
            masterKnown = true;
        } else if (masterKnown) {
            masterKnown = false;
            noMasterSince = now;
        }
    }

    synchronized boolean emergency(long now) {
        return !masterKnown && now - noMasterSince >= emergencyAfterNanos;
    }
}
