package io.poolkeeper.ratis;

import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;

/**
 * One applied command with its event sequence number and what it returned.
 *
 * @param sequence its event token; a repeated command takes none and carries the token before it
 * @param command the command
 * @param outcome its outcome (for an applied one, {@code next} is the state after it)
 * @param repeated whether its request id had been applied before (a client's resend that Raft logged twice): it was
 *     answered as then and changed nothing, so it is no event and nothing that reacts to a change may react to it
 */
public record AppliedCommand(long sequence, PoolCommand command, Outcome outcome, boolean repeated) {
    /** A command applied for the first time (or refused). */
    public AppliedCommand(long sequence, PoolCommand command, Outcome outcome) {
        this(sequence, command, outcome, false);
    }
}
