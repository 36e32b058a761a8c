package io.poolkeeper.ratis;

/** Breaks the layering on purpose: ratis reaching back into rpc, closing a cycle (see LayeringTest). */
public final class KnownCycle {
    static Object reach() {
        return io.poolkeeper.rpc.KnownLayeringViolation.class;
    }
}
