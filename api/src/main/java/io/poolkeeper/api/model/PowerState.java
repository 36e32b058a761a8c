package io.poolkeeper.api.model;

/** A VM's power state, as in XenAPI's {@code vm_power_state}. */
public enum PowerState {
    /** Offline: no resources held on any host. */
    HALTED("Halted"),
    /** Running on its resident host. */
    RUNNING("Running"),
    /** Resources allocated on its resident host, vCPUs not running. */
    PAUSED("Paused"),
    /** State saved to disk; resides on no host. */
    SUSPENDED("Suspended");

    private final String xapiName;

    PowerState(String xapiName) {
        this.xapiName = xapiName;
    }

    /** The spelling xe prints ({@code Halted}, {@code Running}, ...). */
    public String xapiName() {
        return xapiName;
    }

    /** Whether a VM in this state holds memory on its resident host. */
    public boolean isLive() {
        return this == RUNNING || this == PAUSED;
    }
}
