package io.poolkeeper.member;

/** Breaks the layering on purpose: the runtime using a wire type and test support (see LayeringTest). */
public final class KnownTransportUse {
    static Object reach() {
        return io.poolkeeper.proto.HeartbeatRequest.getDefaultInstance();
    }

    static Object simulated() {
        return io.poolkeeper.agent.SimulatedHypervisor.class;
    }
}
