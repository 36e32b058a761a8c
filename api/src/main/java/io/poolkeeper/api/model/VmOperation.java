package io.poolkeeper.api.model;

/**
 * An agent-backed VM operation in progress (XenAPI {@code current_operations}). Such operations commit in two
 * steps: the request (validated, resources reserved) and the host agent's answer.
 */
public enum VmOperation {
    START("start"),
    START_PAUSED("start_paused"),
    CLEAN_SHUTDOWN("clean_shutdown"),
    HARD_SHUTDOWN("hard_shutdown"),
    CLEAN_REBOOT("clean_reboot"),
    HARD_REBOOT("hard_reboot"),
    SUSPEND("suspend"),
    RESUME("resume"),
    PAUSE("pause"),
    UNPAUSE("unpause"),
    MIGRATE("pool_migrate");

    private final String xapiName;

    VmOperation(String xapiName) {
        this.xapiName = xapiName;
    }

    public String xapiName() {
        return xapiName;
    }
}
