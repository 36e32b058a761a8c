package io.poolkeeper.cli;

/** Resource locks of the CLI tests (see {@code junit-platform.properties}). */
final class CliTestLocks {
    /** Held by tests that run member processes or wait on HA timeouts: one at a time, beside the in-process ones. */
    static final String PROCESSES = "poolkeeper-cli-processes";

    private CliTestLocks() {}
}
