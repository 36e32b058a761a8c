package io.poolkeeper.api;

/** How fresh a read must be. */
public enum ReadConsistency {
    /** This member's own copy: always answers, even without a master, possibly stale. */
    LOCAL,
    /** Reflects every write acknowledged before the read began; needs a master with quorum. */
    LINEARIZABLE
}
