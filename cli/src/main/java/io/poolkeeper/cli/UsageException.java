package io.poolkeeper.cli;

/** The command line is wrong (a parameter missing, mistyped or malformed): exit status {@link ExitStatus#USAGE}. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
