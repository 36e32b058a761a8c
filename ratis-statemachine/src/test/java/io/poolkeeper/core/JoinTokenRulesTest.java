package io.poolkeeper.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code pool-join-token-create}, {@code -revoke} and the token check of {@code pool-join}, through
 * {@link Transition#apply}: expiry is judged at each command's pool time only, so replicas agree.
 */
@Timeout(30)
class JoinTokenRulesTest {
    private static final long GIB = PoolFixture.GIB;
    private static final HostId MASTER = PoolFixture.hostId(1);
    private static final HostId A = PoolFixture.hostId(2);
    private static final String SHA = TestJoinTokens.SHA256;
    private static final long T0 = 1_700_000_000_000L;

    private final PoolFixture pool = PoolFixture.withMaster(MASTER, GIB);
    private long index = 1000;

    private Outcome at(long poolMillis, Operation op) {
        return Transition.apply(pool.state(), new PoolCommand("", poolMillis, 0, op), new ApplyContext(++index));
    }

    private PoolState applied(long poolMillis, Operation op) {
        return assertInstanceOf(Outcome.Applied.class, at(poolMillis, op), op::toString)
                .next();
    }

    private Rejection rejected(PoolState state, long poolMillis, Operation op, ErrorCode code) {
        Outcome outcome = Transition.apply(state, new PoolCommand("", poolMillis, 0, op), new ApplyContext(++index));
        Rejection r =
                assertInstanceOf(Outcome.Rejected.class, outcome, op::toString).rejection();
        assertEquals(code, r.code(), r::message);
        return r;
    }

    private static Operation.PoolJoinTokenCreate create(String id, long validity) {
        return new Operation.PoolJoinTokenCreate(id, SHA, validity);
    }

    private static Operation.PoolJoin join(HostId host, String tokenId) {
        return new Operation.PoolJoin(PoolFixture.spec(host, GIB, false), tokenId);
    }

    @Test
    void aTokenExpiresItsValidityAfterTheCommandsPoolTimeAndShowsNoHashInTheView() {
        Outcome outcome = at(T0, create("0000abcd", 60_000));
        Outcome.Applied applied = assertInstanceOf(Outcome.Applied.class, outcome);
        assertEquals(new Result.JoinTokenCreated(T0 + 60_000), applied.result());
        assertEquals(
                new JoinToken("0000abcd", SHA, T0 + 60_000),
                applied.next().joinTokens().get("0000abcd"));
        var infos = applied.next().toView(1).joinTokens();
        // The fixture's token (30 days from pool time 1) had long expired: this create dropped it.
        assertEquals(List.of("0000abcd"), infos.stream().map(i -> i.id()).toList());
        assertEquals(java.time.Instant.ofEpochMilli(T0 + 60_000), infos.get(0).expiresAt());
    }

    @Test
    void aJoinWithALiveTokenIsAppliedAndLeavesTheTokenForMoreJoins() {
        PoolState withToken = applied(T0, create("0000abcd", 60_000));
        Outcome outcome = Transition.apply(
                withToken, new PoolCommand("", T0 + 59_999, 0, join(A, "0000abcd")), new ApplyContext(++index));
        Outcome.Applied joined = assertInstanceOf(Outcome.Applied.class, outcome);
        assertEquals(new Result.Joined(HostRole.VOTER), joined.result());
        assertTrue(joined.next().joinTokens().containsKey("0000abcd"), "multi-use until it expires");
    }

    @Test
    void aJoinIsRefusedAtOrAfterExpiryWithoutAnyChange() {
        PoolState withToken = applied(T0, create("0000abcd", 60_000));
        Rejection r = rejected(withToken, T0 + 60_000, join(A, "0000abcd"), ErrorCode.JOIN_TOKEN_EXPIRED);
        assertEquals(List.of("0000abcd"), r.params());
    }

    @Test
    void aJoinWithAnUnknownRevokedOrNoTokenIsRefused() {
        PoolState withToken = applied(T0, create("0000abcd", 60_000));
        rejected(withToken, T0 + 1, join(A, "ffffffff"), ErrorCode.JOIN_TOKEN_INVALID);
        rejected(withToken, T0 + 1, join(A, ""), ErrorCode.JOIN_TOKEN_REQUIRED);
        Outcome revoke = Transition.apply(
                withToken,
                new PoolCommand("", T0 + 2, 0, new Operation.PoolJoinTokenRevoke("0000abcd")),
                new ApplyContext(++index));
        PoolState revoked = assertInstanceOf(Outcome.Applied.class, revoke).next();
        assertEquals(false, revoked.joinTokens().containsKey("0000abcd"));
        rejected(revoked, T0 + 3, join(A, "0000abcd"), ErrorCode.JOIN_TOKEN_INVALID);
        rejected(revoked, T0 + 3, new Operation.PoolJoinTokenRevoke("0000abcd"), ErrorCode.HANDLE_INVALID);
    }

    @Test
    void aHostThePoolHasIsRefusedAsBeforeWhateverTheToken() {
        rejected(pool.state(), T0, join(MASTER, ""), ErrorCode.UUID_ALREADY_EXISTS);
    }

    @Test
    void aDuplicateIdIsRefusedWhileLiveAndReusableOnceExpired() {
        PoolState withToken = applied(T0, create("0000abcd", 60_000));
        rejected(withToken, T0 + 1, create("0000abcd", 60_000), ErrorCode.UUID_ALREADY_EXISTS);
        Outcome again = Transition.apply(
                withToken, new PoolCommand("", T0 + 60_000, 0, create("0000abcd", 5_000)), new ApplyContext(++index));
        assertEquals(
                T0 + 65_000,
                assertInstanceOf(Outcome.Applied.class, again)
                        .next()
                        .joinTokens()
                        .get("0000abcd")
                        .expiresAtMillis());
    }

    @Test
    void expiredTokensAreDroppedWhenATokenIsCreatedAndTheLimitCountsLiveOnes() {
        PoolState state = pool.state();
        // The fixture's token expires 30 days after pool time 1: long gone at T0.
        for (int i = 0; i < JoinTokenRules.MAX_LIVE; i++) {
            Outcome o = Transition.apply(
                    state,
                    new PoolCommand("", T0 + i, 0, create(String.format("%08x", i), 1_000 + i)),
                    new ApplyContext(++index));
            state = assertInstanceOf(Outcome.Applied.class, o, o::toString).next();
        }
        assertEquals(JoinTokenRules.MAX_LIVE, state.joinTokens().size(), "the expired fixture token was dropped");
        Rejection r = rejected(state, T0 + 500, create("ffff0000", 1_000), ErrorCode.JOIN_TOKEN_LIMIT_REACHED);
        assertEquals(List.of("100"), r.params());
        // At T0 + 1000 token 0 (valid 1000 ms from T0) has expired: a create drops it and fits.
        Outcome later = Transition.apply(
                state, new PoolCommand("", T0 + 1_000, 0, create("ffff0000", 1_000)), new ApplyContext(++index));
        PoolState next = assertInstanceOf(Outcome.Applied.class, later).next();
        assertEquals(JoinTokenRules.MAX_LIVE, next.joinTokens().size());
        assertTrue(
                !next.joinTokens().containsKey("00000000") && next.joinTokens().containsKey("ffff0000"));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, JoinTokenRules.MAX_VALIDITY_MILLIS + 1})
    void aValidityOutOfRangeIsRefused(long validity) {
        Rejection r = rejected(pool.state(), T0, create("0000abcd", validity), ErrorCode.INVALID_VALUE);
        assertEquals("validity", r.params().get(0));
    }

    @Test
    void malformedIdsHashesAndUnstampedCommandsAreRefused() {
        assertEquals(
                "id",
                rejected(pool.state(), T0, create("ABCDEF12", 1_000), ErrorCode.INVALID_VALUE)
                        .params()
                        .get(0));
        assertEquals(
                "secret-sha256",
                rejected(
                                pool.state(),
                                T0,
                                new Operation.PoolJoinTokenCreate("0000abcd", "abc", 1_000),
                                ErrorCode.INVALID_VALUE)
                        .params()
                        .get(0));
        // No pool time: an expiry counted from 0 would be long past.
        assertEquals(
                "issued-at",
                rejected(pool.state(), 0, create("0000abcd", 1_000), ErrorCode.INVALID_VALUE)
                        .params()
                        .get(0));
    }

    @Test
    void applyingTheSameCommandsGivesEqualStates() {
        List<PoolCommand> log = List.of(
                new PoolCommand("", T0, 0, create("0000abcd", 60_000)),
                new PoolCommand("", T0 + 10, 0, create("0000abce", 5)),
                new PoolCommand("", T0 + 20, 0, join(A, "0000abce")),
                new PoolCommand("", T0 + 30, 0, join(A, "0000abcd")),
                new PoolCommand("", T0 + 40, 0, new Operation.PoolJoinTokenRevoke("0000abcd")));
        PoolState first = replay(log);
        PoolState second = replay(log);
        assertEquals(first, second);
        assertTrue(first.hosts().containsKey(A));
        assertEquals(List.of("0000abce"), List.copyOf(first.joinTokens().keySet()));
    }

    private PoolState replay(List<PoolCommand> log) {
        PoolState state = pool.state();
        long i = 0;
        for (PoolCommand c : log) {
            Outcome o = Transition.apply(state, c, new ApplyContext(++i));
            if (o instanceof Outcome.Applied a) {
                state = a.next();
            }
        }
        return state;
    }
}
