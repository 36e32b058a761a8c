package io.poolkeeper.api;

import java.time.Duration;
import java.util.Objects;

/**
 * The timeouts a member runs with. The defaults are the seed's (heartbeat every 5 s, a host dead after 30 s
 * without one, emergency mode after 60 s without a master); tests and demos shorten them.
 *
 * @param heartbeatInterval how often a slave heartbeats the master
 * @param hostDeadAfter how long without a heartbeat before the master marks a host dead
 * @param emergencyAfter how long without a master before a member enters emergency mode
 * @param electionTimeoutMin Raft's minimum election timeout
 * @param electionTimeoutMax Raft's maximum election timeout
 * @param requestTimeout how long a member-to-member or client request may take
 */
public record MemberTimeouts(
        Duration heartbeatInterval,
        Duration hostDeadAfter,
        Duration emergencyAfter,
        Duration electionTimeoutMin,
        Duration electionTimeoutMax,
        Duration requestTimeout) {

    public MemberTimeouts {
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(hostDeadAfter, "hostDeadAfter");
        Objects.requireNonNull(emergencyAfter, "emergencyAfter");
        Objects.requireNonNull(electionTimeoutMin, "electionTimeoutMin");
        Objects.requireNonNull(electionTimeoutMax, "electionTimeoutMax");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (electionTimeoutMax.compareTo(electionTimeoutMin) < 0) {
            throw new IllegalArgumentException("electionTimeoutMax < electionTimeoutMin");
        }
        if (hostDeadAfter.compareTo(heartbeatInterval) <= 0) {
            throw new IllegalArgumentException("hostDeadAfter must exceed heartbeatInterval");
        }
    }

    /**
     * How long an embedded caller of an agent-backed VM operation (start, shutdown, migrate, ...) waits for the host
     * agent's answer once the operation is committed: {@code hostDeadAfter + 2 × requestTimeout} (40 s with the
     * defaults). By then either the agent answered, or its host was declared dead and the master failed the
     * operation. Past it the call fails with {@link ErrorCode#TIMEOUT} ({@link IndeterminateOutcomeException}) while
     * the agent may still finish; read the VM, or retry with the same request id.
     */
    public Duration agentAnswerWait() {
        return hostDeadAfter.plus(requestTimeout.multipliedBy(2));
    }

    /** The seed's values, with a 300-600 ms election timeout. */
    public static MemberTimeouts defaults() {
        return new MemberTimeouts(
                Duration.ofSeconds(5),
                Duration.ofSeconds(30),
                Duration.ofSeconds(60),
                Duration.ofMillis(300),
                Duration.ofMillis(600),
                Duration.ofSeconds(5));
    }
}
