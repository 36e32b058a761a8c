package io.poolkeeper.api;

/**
 * Authorises one host-agent call: the pool generation and the pool sequence of the committed transition the call
 * carries out. Tokens order by generation, then sequence.
 *
 * <p>The sequence is the one numbering a pool has: the count of commands it has applied. The same number is a
 * {@link PoolEvent#token()} and {@link PoolView#appliedIndex()}, so an agent call can be matched with the event of
 * the command that began it. It is not a Raft log index.
 *
 * <p>How an agent uses it is set out in {@link HostAgent}: per VM, a token older than the newest seen for that VM,
 * one of a generation older than the newest seen on the host, or one older than the last {@link HostAgent#fence}
 * token is refused, so a deposed master or an older generation can never drive a hypervisor again.
 *
 * @param generation the pool generation
 * @param sequence the pool sequence (event token) of the transition the call carries out
 */
public record FencingToken(long generation, long sequence) implements Comparable<FencingToken> {
    @Override
    public int compareTo(FencingToken other) {
        int byGeneration = Long.compare(generation, other.generation);
        return byGeneration != 0 ? byGeneration : Long.compare(sequence, other.sequence);
    }
}
