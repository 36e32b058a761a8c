package io.poolkeeper.rpc;

/** Breaks the layering on purpose: rpc reaching into the Raft adapter (see LayeringTest). */
public final class KnownLayeringViolation {
    static Object reach() {
        return io.poolkeeper.ratis.KnownCycle.class;
    }
}
