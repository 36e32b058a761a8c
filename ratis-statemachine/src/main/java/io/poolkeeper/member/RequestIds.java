package io.poolkeeper.member;

import io.poolkeeper.api.FencingToken;
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

    /**
     * Adding a host that the pool does not have, as of the master's generation and applied log index: a host can be
     * forgotten and join again, even within one generation, and its new join must not be answered with the first
     * one's result (the window survives a re-founding). A host the pool has and that rejoins
     * a new generation is not joined again at all.
     */
    static String join(HostId host, long generation, long logIndex) {
        return "join/" + host + "/" + generation + "/" + logIndex;
    }

    /** The master failing a dead host's pending operation on a VM, as of a generation and log index. */
    static String abort(VmId vm, long generation, long logIndex) {
        return "abort/" + vm + "/" + generation + "/" + logIndex;
    }

    /**
     * An agent's answer to the operation begun at pool sequence {@code beganAt} on a VM (see {@link AgentDriver}).
     */
    static String complete(VmId vm, long generation, long beganAt) {
        return "complete/" + vm + "/" + generation + "/" + beganAt;
    }

    /** A host's report on a VM ({@code kind}: what it reports), as of the token the agent acted or listed with. */
    static String report(String kind, HostId host, VmId vm, FencingToken token) {
        return kind + "/" + host + "/" + vm + "/" + token.generation() + "/" + token.sequence();
    }

    /** HA's verdict that a host fenced itself, as of a generation and the master's applied log index. */
    static String fenced(HostId host, long generation, long logIndex) {
        return "fenced/" + host + "/" + generation + "/" + logIndex;
    }
}
