package io.poolkeeper.core;

/**
 * What the log says about the command being applied. The only inputs to {@link Transition#apply} besides the state
 * and the command: no clock, no randomness.
 *
 * @param logIndex the log index of the entry holding the command (several commands may share one entry)
 * @param sequence the command's position among all commands applied so far, dense and increasing: its event token,
 *     and the order of the request de-duplication window
 * @param issuedAtMillis the pool time the master stamped on the command ({@link PoolCommand#issuedAtMillis}; 0:
 *     none); set by {@link Transition#apply} from the command, so rules that need pool time read it here
 */
public record ApplyContext(long logIndex, long sequence, long issuedAtMillis) {
    /** A context without pool time; {@link Transition#apply} fills it in from the command. */
    public ApplyContext(long logIndex, long sequence) {
        this(logIndex, sequence, 0);
    }

    /** A context where each entry holds one command, so the sequence is the log index. */
    public ApplyContext(long logIndex) {
        this(logIndex, logIndex);
    }

    /** This context for a command stamped {@code millis}. */
    ApplyContext issuedAt(long millis) {
        return new ApplyContext(logIndex, sequence, millis);
    }
}
