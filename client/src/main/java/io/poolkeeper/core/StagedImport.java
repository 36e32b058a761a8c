package io.poolkeeper.core;

import io.poolkeeper.api.model.HostId;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An emergency import being received in chunks (DESIGN §5): announced by {@link Operation.PoolImportBegin}, filled by
 * {@link Operation.PoolImportChunk}s in order, switched in whole by {@link Operation.PoolImportCommit}. It lives in
 * the replicated state so that every replica stages the same parts at the same log indexes, but nothing of it is
 * visible (no pool, no objects) until the commit applies.
 *
 * @param importId names the import; chunks and the commit of another import are refused
 * @param generation the generation the import founds
 * @param master the host that becomes master
 * @param chunks how many chunks the import announced
 * @param objects how many objects (hosts, VMs, SRs, PBDs, VDIs, VBDs, join tokens) the chunks hold together
 * @param received how many chunks were staged so far (chunks come in order: the next one is number {@code received})
 * @param merged the union of the chunks staged so far
 */
public record StagedImport(
        String importId, long generation, HostId master, int chunks, long objects, int received, PoolState merged) {
    public StagedImport {
        Objects.requireNonNull(importId, "importId");
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(merged, "merged");
    }

    /** What {@link #objects} counts in {@code state}. */
    public static long objectCount(PoolState state) {
        return (long) state.hosts().size()
                + state.vms().size()
                + state.srs().size()
                + state.pbds().size()
                + state.vdis().size()
                + state.vbds().size()
                + state.joinTokens().size();
    }

    /**
     * The union of {@link #merged} and {@code part}, with one more chunk received; empty if {@code part} repeats an
     * object or the pool object, or carries request ids without the pool object: the chunk with the pool carries the
     * request window, bounds and all.
     */
    Optional<StagedImport> plus(PoolState part) {
        PoolState m = merged;
        boolean head = part.pool().isPresent();
        if ((head && m.pool().isPresent()) || (!head && part.requests().size() > 0)) {
            return Optional.empty();
        }
        if (overlaps(m.hosts(), part.hosts())
                || overlaps(m.vms(), part.vms())
                || overlaps(m.srs(), part.srs())
                || overlaps(m.pbds(), part.pbds())
                || overlaps(m.vdis(), part.vdis())
                || overlaps(m.vbds(), part.vbds())
                || overlaps(m.joinTokens(), part.joinTokens())) {
            return Optional.empty();
        }
        PoolState next = new PoolState(
                head ? part.pool() : m.pool(),
                m.hosts().plusAll(part.hosts()),
                m.vms().plusAll(part.vms()),
                m.srs().plusAll(part.srs()),
                m.pbds().plusAll(part.pbds()),
                m.vdis().plusAll(part.vdis()),
                m.vbds().plusAll(part.vbds()),
                m.joinTokens().plusAll(part.joinTokens()),
                head ? part.requests() : m.requests());
        return Optional.of(new StagedImport(importId, generation, master, chunks, objects, received + 1, next));
    }

    private static <K> boolean overlaps(Map<K, ?> staged, Map<K, ?> part) {
        Map<K, ?> small = part.size() <= staged.size() ? part : staged;
        Map<K, ?> large = small == part ? staged : part;
        return small.keySet().stream().anyMatch(large::containsKey);
    }
}
