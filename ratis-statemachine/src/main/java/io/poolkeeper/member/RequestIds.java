package io.poolkeeper.member;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;

/**
 * The request ids members give the commands they make themselves, in one place, so that none can collide with
 * another or with a client's (clients' ids are random UUIDs, which contain no {@code '/'}). Each id names what makes
 * the command unique: a retry of the same thing reuses it and is applied once; a different thing never shares it.
 */
final class RequestIds {
    private RequestIds() {}

    /** Founding a pool: one per pool. */
    static String create(String poolUuid) {
        return "create/" + poolUuid;
    }

    /** Re-founding a pool in a generation: one per (pool, generation). */
    static String importOf(String poolUuid, long generation) {
        return "import/" + poolUuid + "/" + generation;
    }

    /** Adding a host to the pool: one per host (a host joins a pool once; it rejoins a generation without one). */
    static String join(HostId host) {
        return "join/" + host;
    }

    /** The master failing a dead host's pending operation on a VM, as of a generation and log index. */
    static String abort(VmId vm, long generation, long logIndex) {
        return "abort/" + vm + "/" + generation + "/" + logIndex;
    }

    /** An agent's answer to the operation begun at {@code beganAt} on a VM (see {@link AgentDriver}). */
    static String complete(VmId vm, long generation, long beganAt) {
        return "complete/" + vm + "/" + generation + "/" + beganAt;
    }
}
