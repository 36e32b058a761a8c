package io.poolkeeper.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.StagedImport;
import io.poolkeeper.core.Transition;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The emergency import at scale: one {@link Operation.PoolImport} of a pool of 50,000 VMs is past Ratis' 4 MB entry
 * limit, while the chunks {@link ImportChunks} cuts each stay within their budget and, applied as begin, chunks and
 * commit, found exactly the pool the single import would.
 */
@Timeout(120)
class ImportChunksTest {
    /** Ratis' {@code raft.server.log.appender.buffer.byte-limit} default, which RaftSettings keeps. */
    private static final int RATIS_ENTRY_LIMIT = 4 << 20;

    @Test
    void aSingleEntryImportOfALargePoolExceedsTheEntryLimitAndItsChunksDoNot() {
        PoolState large = LargePool.build(50_000);
        int single = importBytes(large);
        assertTrue(single > RATIS_ENTRY_LIMIT, "one entry of " + single + " bytes");

        List<PoolState> parts = ImportChunks.split(large, ImportChunks.CHUNK_BYTES);

        assertTrue(parts.size() > single / ImportChunks.CHUNK_BYTES, parts.size() + " parts");
        for (int i = 0; i < parts.size(); i++) {
            int bytes = CommandCodec.encodeBatch(
                            List.of(PoolCommand.of(new Operation.PoolImportChunk("import/2", i, parts.get(i)))))
                    .length;
            assertTrue(bytes <= ImportChunks.CHUNK_BYTES + 128, "chunk " + i + ": " + bytes + " bytes");
        }
        assertTrue(parts.get(0).pool().isPresent());
        assertTrue(parts.stream()
                .skip(1)
                .allMatch(p -> p.pool().isEmpty() && p.requests().size() == 0));
        assertEquals(
                StagedImport.objectCount(large),
                parts.stream().mapToLong(StagedImport::objectCount).sum());
    }

    @Test
    void theChunksFoundThePoolTheSingleImportWould() {
        PoolState large = LargePool.build(10_000);
        PoolState single =
                applied(PoolState.empty(), "import/2", new Operation.PoolImport(large, 2, LargePool.host(3)));

        List<PoolState> parts = ImportChunks.split(large, 256 << 10);
        PoolState staged = applied(
                PoolState.empty(),
                "",
                new Operation.PoolImportBegin(
                        "import/2", 2, LargePool.host(3), parts.size(), StagedImport.objectCount(large)));
        for (int i = 0; i < parts.size(); i++) {
            staged = applied(staged, "", new Operation.PoolImportChunk("import/2", i, parts.get(i)));
            assertTrue(staged.pool().isEmpty() && staged.vms().isEmpty(), "nothing visible before the commit");
        }
        PoolState committed = applied(staged, "import/2", new Operation.PoolImportCommit("import/2"));

        assertEquals(Optional.empty(), committed.staged());
        assertEquals(single, committed);
    }

    private static int importBytes(PoolState state) {
        return CommandCodec.encodeBatch(List.of(
                        new PoolCommand("import/2", 1, 0, new Operation.PoolImport(state, 2, LargePool.host(0)))))
                .length;
    }

    private static PoolState applied(PoolState state, String requestId, Operation op) {
        Outcome outcome =
                Transition.apply(state, new PoolCommand(requestId, 1_700_000_000_000L, 0, op), new ApplyContext(1, 1));
        return assertInstanceOf(Outcome.Applied.class, outcome, () -> String.valueOf(outcome))
                .next();
    }
}
