package io.poolkeeper.core;

/**
 * A join token for core tests that join hosts: {@link #create} issues it (stamped, since an unstamped command has
 * no pool time to count its validity from), {@link #join} joins with it. Joins applied without a stamp (issued at
 * 0) are not judged for expiry, so the token lets such tests join at any point.
 */
public final class TestJoinTokens {
    public static final String ID = "7e570001";
    /** A made-up SHA-256 (hex): core rules only store and compare it. */
    public static final String SHA256 = "8a1f5a2b0c0d7d9d4b1c2e3f405162738495a6b7c8d9eaf00112233445566778";

    private TestJoinTokens() {}

    /** {@code pool-join-token-create} of {@link #ID}, stamped at pool time 1, valid the longest allowed. */
    public static PoolCommand create() {
        return new PoolCommand(
                "", 1, 0, new Operation.PoolJoinTokenCreate(ID, SHA256, JoinTokenRules.MAX_VALIDITY_MILLIS));
    }

    /** {@code pool-join} of {@code host} with {@link #ID}. */
    public static Operation.PoolJoin join(Operation.HostSpec host) {
        return new Operation.PoolJoin(host, ID);
    }
}
