package io.poolkeeper.rpc;

/**
 * Which member-to-member messages a member's servers drop, consulted on every Raft message and every
 * member-to-member PoolService call it receives. Production members have none; tests give one that cuts links per
 * direction ({@code io.poolkeeper.testing.LinkFaults}).
 *
 * <p>Implementations must be thread-safe and quick: they run on gRPC's threads for every message.
 */
@FunctionalInterface
public interface LinkFilter {
    /** Whether a message from host {@code from} (a host uuid, empty when the sender is unknown) to {@code to} is dropped. */
    boolean blocked(String from, String to);
}
