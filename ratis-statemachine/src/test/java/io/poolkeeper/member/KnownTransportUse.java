package io.poolkeeper.member;

/** Breaks the layering on purpose: the runtime using a wire type (see LayeringTest). */
public final class KnownTransportUse {
    static Object reach() {
        return io.poolkeeper.proto.HeartbeatRequest.getDefaultInstance();
    }
}
