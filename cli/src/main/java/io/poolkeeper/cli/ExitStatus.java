package io.poolkeeper.cli;

import io.poolkeeper.api.ErrorCode;

/**
 * The CLI's exit statuses: scripts tell a refusal (do not retry) from an unavailable pool (retry later) from a
 * mistyped command line.
 */
final class ExitStatus {
    /** Done. */
    static final int OK = 0;
    /** The pool refused the command ({@link ErrorCode.Kind#REJECTED}): nothing changed. */
    static final int REJECTED = 1;
    /** The command line is wrong: unknown command or parameter, missing or malformed value. */
    static final int USAGE = 2;
    /** No master, no quorum or no member reachable ({@link ErrorCode.Kind#UNAVAILABLE}): retry later. */
    static final int UNAVAILABLE = 3;
    /** The outcome is unknown ({@link ErrorCode.Kind#INDETERMINATE}): read the state before retrying. */
    static final int INDETERMINATE = 4;
    /** The demo or a member process failed. */
    static final int FAILED = 5;

    private ExitStatus() {}

    static int of(ErrorCode code) {
        return switch (code.kind()) {
            case REJECTED -> REJECTED;
            case UNAVAILABLE -> UNAVAILABLE;
            case INDETERMINATE -> INDETERMINATE;
        };
    }
}
