package io.poolkeeper.core.ha;

import io.poolkeeper.api.model.HostId;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The HA partition-survival rule (DESIGN.md §6): which side of a network split keeps running and which side
 * self-fences.
 *
 * <p>Given the liveset L (the committed set of live HA members) and a partition P (the hosts a member can reach,
 * itself included), only the hosts of P ∩ L count. P survives iff {@code 2·|P ∩ L| > |L|} (a strict majority), or
 * {@code 2·|P ∩ L| == |L|} and P ∩ L holds the lowest host UUID of L. "Lowest" is {@link HostId}'s natural order,
 * the lexicographic order of canonical lowercase UUID strings, as xhad uses; it is not {@link java.util.UUID}'s
 * signed {@code compareTo}. In a two-host pool this fences the higher-UUID host whichever cable was pulled.
 *
 * <p>At most one partition of a partitioning survives (see {@link #survivingPartition}), which is what makes it safe
 * for the survivors to restart the fenced hosts' VMs.
 *
 * <p>Every method is pure and deterministic: the result depends only on the set contents, never on a clock,
 * randomness, or the iteration order of the sets passed in, so every member that sees the same liveset and
 * partition reaches the same decision. The class is thread-safe and holds no state.
 */
public final class Fencer {
    private Fencer() {}

    /**
     * Decides whether {@code self} survives or self-fences.
     *
     * <p>{@code self} always counts as part of {@code partition}, whether or not the set contains it, because a host
     * always reaches itself. A {@code self} that is not in {@code liveset} gets {@link FenceDecision#SELF_FENCE}: it
     * is not an HA member of the committed liveset, so no survivor would account for its VMs, and letting it run
     * them could duplicate VMs that the survivors restart. Hosts of {@code partition} that are not in
     * {@code liveset} are ignored.
     *
     * @param self the deciding host
     * @param liveset the committed set of live HA members, L; its own comparator only affects membership lookup, the
     *     lowest UUID is always taken in {@link HostId}'s natural order
     * @param partition the hosts {@code self} can reach, P
     * @return {@link FenceDecision#SURVIVE} iff {@code self} is in L and P (with {@code self}) survives
     * @throws NullPointerException if an argument, or an element of {@code liveset}, is null
     */
    public static FenceDecision decide(HostId self, SortedSet<HostId> liveset, Set<HostId> partition) {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(liveset, "liveset");
        Objects.requireNonNull(partition, "partition");
        if (!liveset.contains(self)) {
            return FenceDecision.SELF_FENCE;
        }
        return survives(liveset, partition, self) ? FenceDecision.SURVIVE : FenceDecision.SELF_FENCE;
    }

    /**
     * Given a full partitioning of the hosts, returns the partition that survives, if any.
     *
     * <p>At most one partition can survive. Proof: let n = |L| and let two disjoint partitions A and B have
     * a = |A ∩ L| and b = |B ∩ L|, so a + b ≤ n. If both survived, then 2a ≥ n and 2b ≥ n, hence 2(a + b) ≥ 2n and
     * a + b ≥ n, so a + b = n and, if either inequality were strict, 2(a + b) > 2n, a contradiction; so 2a = 2b = n
     * and both survive by the tie rule, so both hold the lowest UUID of L, which disjoint sets cannot.
     *
     * <p>Hosts of L that are in no partition (crashed hosts, say) count for nobody. Whether a partition survives is
     * judged exactly as {@link #decide} judges it for each of its L members, so they all {@link FenceDecision#SURVIVE}
     * iff their partition is the one returned; its members outside L still self-fence in {@link #decide}.
     *
     * @param liveset the committed set of live HA members, L
     * @param partitions pairwise disjoint sets of hosts
     * @return an unmodifiable sorted copy of the surviving partition (all of its members, including any outside L),
     *     or empty if no partition survives
     * @throws NullPointerException if an argument, a partition, or an element of one is null
     * @throws IllegalArgumentException if a host appears in two partitions
     */
    public static Optional<SortedSet<HostId>> survivingPartition(
            SortedSet<HostId> liveset, Collection<? extends Set<HostId>> partitions) {
        Objects.requireNonNull(liveset, "liveset");
        Objects.requireNonNull(partitions, "partitions");
        // The disjointness check is what the at-most-one proof rests on; without it two overlapping "partitions"
        // could both survive and the answer would depend on the collection's iteration order.
        Set<HostId> seen = new TreeSet<>();
        for (Set<HostId> partition : partitions) {
            Objects.requireNonNull(partition, "partitions contains a null partition");
            for (HostId host : partition) {
                Objects.requireNonNull(host, "a partition contains a null host");
                if (!seen.add(host)) {
                    throw new IllegalArgumentException("host " + host + " is in more than one partition");
                }
            }
        }
        SortedSet<HostId> survivor = null;
        for (Set<HostId> partition : partitions) {
            if (survives(liveset, partition, null)) {
                survivor = Collections.unmodifiableSortedSet(new TreeSet<>(partition));
            }
        }
        return Optional.ofNullable(survivor);
    }

    /** The survival rule for {@code partition} plus {@code self} (when not null) against {@code liveset}. */
    private static boolean survives(SortedSet<HostId> liveset, Set<HostId> partition, HostId self) {
        // Iterating L (not P) means membership tests go to the caller's partition set, and hosts of P outside L are
        // never counted; counting and taking a minimum do not depend on iteration order.
        int size = 0;
        int inPartition = 0;
        HostId lowest = null;
        boolean lowestInPartition = false;
        for (HostId host : liveset) {
            Objects.requireNonNull(host, "liveset contains a null host");
            boolean reachable = host.equals(self) || partition.contains(host);
            size++;
            if (reachable) {
                inPartition++;
            }
            // Natural order, not liveset.first(): a liveset built with another comparator must not move the
            // tie-breaker, or members with differently built sets could both survive.
            if (lowest == null || host.compareTo(lowest) < 0) {
                lowest = host;
                lowestInPartition = reachable;
            }
        }
        // Long arithmetic: 2 * size cannot overflow, and this is the "|P| > |L| / 2" of the design without the
        // rounding of integer division.
        long twice = 2L * inPartition;
        return twice > size || (twice == size && lowestInPartition);
    }
}
