package io.poolkeeper.core;

/**
 * What the log says about the command being applied. The only inputs to {@link Transition#apply} besides the state
 * and the command: no clock, no randomness.
 *
 * @param logIndex the log index of the entry holding the command (several commands may share one entry)
 * @param sequence the command's position among all commands applied so far, dense and increasing: its event token,
 *     and the order of the request de-duplication window
 */
public record ApplyContext(long logIndex, long sequence) {
    /** A context where each entry holds one command, so the sequence is the log index. */
    public ApplyContext(long logIndex) {
        this(logIndex, logIndex);
    }
}
