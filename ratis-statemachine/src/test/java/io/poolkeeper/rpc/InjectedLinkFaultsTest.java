package io.poolkeeper.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.port.LinkFilter;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The per-member switch behind {@code InjectLinkFault}: what it drops, what it reports, and the two filters. */
@Timeout(10)
class InjectedLinkFaultsTest {
    private static final HostId SELF = HostId.of("00000001-0000-4000-8000-000000000000");
    private static final HostId A = HostId.of("00000002-0000-4000-8000-000000000000");
    private static final HostId B = HostId.of("00000003-0000-4000-8000-000000000000");
    private static final HostId C = HostId.of("00000004-0000-4000-8000-000000000000");

    private final InjectedLinkFaults faults = new InjectedLinkFaults(SELF);

    @Test
    void dropsNothingUntilCut() {
        assertFalse(faults.blocked(A.toString(), SELF.toString()));
        assertEquals(List.of(), faults.blockedFrom());
    }

    @Test
    void aCutDropsWhatTheNamedHostsSendAndNothingElse() {
        assertEquals(List.of(A, C), faults.cut(List.of(C, A)));

        assertTrue(faults.blocked(A.toString(), SELF.toString()));
        assertTrue(faults.blocked(C.toString(), SELF.toString()));
        assertFalse(faults.blocked(B.toString(), SELF.toString()));
        assertFalse(faults.blocked("", SELF.toString()), "an unknown sender is never dropped");
    }

    @Test
    void cutsAddUpAndAreIdempotent() {
        faults.cut(List.of(A));
        faults.cut(List.of(A));

        assertEquals(List.of(A, B), faults.cut(List.of(B)));
    }

    @Test
    void healRemovesTheNamedHostsAndHealAllEveryOne() {
        faults.cut(List.of(A, B, C));

        assertEquals(List.of(A, C), faults.heal(List.of(B)));
        assertFalse(faults.blocked(B.toString(), SELF.toString()));
        assertEquals(List.of(A, C), faults.heal(List.of(B)), "healing a healed link changes nothing");

        assertEquals(List.of(), faults.healAll());
        assertFalse(faults.blocked(A.toString(), SELF.toString()));
    }

    @Test
    void combinedWithATestsFilterAMessageEitherDropsIsDropped() {
        LinkFilter test = (from, to) -> from.equals(B.toString());
        LinkFilter both = test.or(faults);
        faults.cut(List.of(A));

        assertTrue(both.blocked(A.toString(), SELF.toString()));
        assertTrue(both.blocked(B.toString(), SELF.toString()));
        assertFalse(both.blocked(C.toString(), SELF.toString()));
    }

    @Test
    void readersSeeEachChangeWholeWhileOthersCutAndHeal() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            CountDownLatch go = new CountDownLatch(1);
            Future<?> cutter = threads.submit(() -> {
                go.await();
                for (int i = 0; i < 2_000; i++) {
                    faults.cut(List.of(A, B));
                    faults.heal(List.of(A, B));
                }
                return null;
            });
            Future<Integer> reader = threads.submit(() -> {
                go.await();
                int halves = 0;
                for (int i = 0; i < 20_000; i++) {
                    // A and B are cut and healed together: a reader never sees one without the other.
                    List<HostId> now = faults.blockedFrom();
                    if (now.size() == 1) {
                        halves++;
                    }
                }
                return halves;
            });
            go.countDown();
            cutter.get(5, TimeUnit.SECONDS);
            assertEquals(0, reader.get(5, TimeUnit.SECONDS));
        } finally {
            threads.shutdownNow();
        }
    }
}
