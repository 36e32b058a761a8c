package io.poolkeeper.api.model;

/** XenAPI's {@code ha_restart_priority}: whether pool HA restarts a VM after its host fails. */
public enum HaRestartPriority {
    /** Not protected (xapi's empty string). */
    NONE(""),
    /** Protected: restarted on a surviving host, in {@code order} groups. */
    RESTART("restart"),
    /** Restarted after protected VMs, only if room remains. */
    BEST_EFFORT("best-effort");

    private final String xapiName;

    HaRestartPriority(String xapiName) {
        this.xapiName = xapiName;
    }

    public String xapiName() {
        return xapiName;
    }

    /** Parses xe's spelling ({@code restart}, {@code best-effort}, or empty). */
    public static HaRestartPriority fromXapiName(String name) {
        for (HaRestartPriority p : values()) {
            if (p.xapiName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown ha-restart-priority: " + name);
    }
}
