package io.poolkeeper.cli;

import io.poolkeeper.api.MemberTimeouts;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The member timeouts as command-line options ({@code --heartbeat-interval 5s ...}), shared by {@code member} and
 * {@code demo}. An option not given keeps the value of the defaults passed to {@link #resolve}.
 */
final class TimeoutOptions {
    @Option(
            names = "--heartbeat-interval",
            paramLabel = "DURATION",
            description = "how often a slave heartbeats the master (default 5s)")
    String heartbeatInterval;

    @Option(
            names = "--host-dead-after",
            paramLabel = "DURATION",
            description = "no heartbeat for this long: the master marks the host dead (default 30s)")
    String hostDeadAfter;

    @Option(
            names = "--emergency-after",
            paramLabel = "DURATION",
            description = "no master for this long: emergency mode (default 60s)")
    String emergencyAfter;

    @Option(
            names = "--election-timeout",
            paramLabel = "MIN[..MAX]",
            description = "Raft's election timeout range (default 300ms..600ms; MAX defaults to 2 x MIN)")
    String electionTimeout;

    @Option(
            names = "--request-timeout",
            paramLabel = "DURATION",
            description = "how long a member-to-member request may take (default 5s)")
    String requestTimeout;

    /** The timeouts given, the others from {@code defaults}; a malformed value is an IllegalArgumentException. */
    MemberTimeouts resolve(MemberTimeouts defaults) {
        Duration electionMin = defaults.electionTimeoutMin();
        Duration electionMax = defaults.electionTimeoutMax();
        if (electionTimeout != null) {
            String[] range = electionTimeout.split("\\.\\.", 2);
            electionMin = Values.duration(range[0]);
            electionMax = range.length == 2 ? Values.duration(range[1]) : electionMin.multipliedBy(2);
        }
        return new MemberTimeouts(
                or(heartbeatInterval, defaults.heartbeatInterval()),
                or(hostDeadAfter, defaults.hostDeadAfter()),
                or(emergencyAfter, defaults.emergencyAfter()),
                electionMin,
                electionMax,
                or(requestTimeout, defaults.requestTimeout()));
    }

    private static Duration or(String given, Duration fallback) {
        return given == null ? fallback : Values.duration(given);
    }

    /** The options that reproduce {@code timeouts} on a member's command line. */
    static List<String> args(MemberTimeouts t) {
        return List.of(
                "--heartbeat-interval", t.heartbeatInterval().toMillis() + "ms",
                "--host-dead-after", t.hostDeadAfter().toMillis() + "ms",
                "--emergency-after", t.emergencyAfter().toMillis() + "ms",
                "--election-timeout",
                        t.electionTimeoutMin().toMillis() + "ms.."
                                + t.electionTimeoutMax().toMillis() + "ms",
                "--request-timeout", t.requestTimeout().toMillis() + "ms");
    }
}
