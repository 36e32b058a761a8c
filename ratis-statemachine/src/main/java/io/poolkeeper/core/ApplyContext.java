package io.poolkeeper.core;

/**
 * What the log says about the entry being applied. The only inputs to {@link Transition#apply} besides the state and
 * the command: no clock, no randomness.
 *
 * @param logIndex the log index of the entry (the event token; also orders the request de-duplication window)
 */
public record ApplyContext(long logIndex) {}
