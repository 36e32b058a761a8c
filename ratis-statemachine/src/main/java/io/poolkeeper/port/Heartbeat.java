package io.poolkeeper.port;

/**
 * A slave's heartbeat to the master (DESIGN §4).
 *
 * @param hostUuid the sender's host (as sent: the receiver validates it)
 * @param poolUuid the sender's pool (empty: in none yet); an answer from a member of another pool is refused
 * @param generation the sender's pool generation
 * @param shuttingDown a clean shutdown: the master marks the host dead at once
 */
public record Heartbeat(String hostUuid, String poolUuid, long generation, boolean shuttingDown) {

    /**
     * The master's answer.
     *
     * @param generation the newest generation the receiver knows of: newer than the sender's means the sender is
     *     stale
     * @param known false when the sender's host is not in the pool (ejected or forgotten): it leaves the pool
     */
    public record Answer(long generation, boolean known) {}
}
