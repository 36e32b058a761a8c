package io.poolkeeper.ha.sim;

import java.util.HashSet;
import java.util.Set;

/**
 * The client writes a member's log holds, oldest first: an immutable list that members share, as followers share the
 * master's log. Appending is O(1).
 */
record Ledger(long last, Ledger previous, int size) {
    static final Ledger EMPTY = new Ledger(0, null, 0);

    Ledger plus(long write) {
        return new Ledger(write, this, size + 1);
    }

    Set<Long> writes() {
        Set<Long> out = new HashSet<>();
        for (Ledger l = this; l.size > 0; l = l.previous) {
            out.add(l.last);
        }
        return out;
    }
}
