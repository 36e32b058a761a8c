package io.poolkeeper.api;

/**
 * Authorises one host-agent call: the pool generation and the log index of the committed transition the call
 * carries out. Tokens order by generation, then index; an agent refuses a token older than one it has seen, so a
 * deposed master or an older generation can never drive a hypervisor again.
 *
 * @param generation the pool generation
 * @param logIndex the log index of the transition
 */
public record FencingToken(long generation, long logIndex) implements Comparable<FencingToken> {
    @Override
    public int compareTo(FencingToken other) {
        int byGeneration = Long.compare(generation, other.generation);
        return byGeneration != 0 ? byGeneration : Long.compare(logIndex, other.logIndex);
    }
}
