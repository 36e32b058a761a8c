package io.poolkeeper.codec;

import static io.poolkeeper.codec.CodecSamples.H1;
import static io.poolkeeper.codec.CodecSamples.POOL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.Pool;
import io.poolkeeper.core.AppliedRequests;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.Invariants;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Result;
import io.poolkeeper.core.TestJoinTokens;
import io.poolkeeper.proto.AppliedRequest;
import io.poolkeeper.proto.CommandResult;
import io.poolkeeper.proto.HostRole;
import io.poolkeeper.proto.PbdRecord;
import io.poolkeeper.proto.PoolSnapshot;
import io.poolkeeper.proto.PowerState;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.pcollections.TreePMap;

@Timeout(60)
class SnapshotCodecTest {
    private static final PoolState POPULATED = CodecSamples.populated().state();

    @Test
    void populatedStateRoundTrip() {
        PoolSnapshot snapshot = SnapshotCodec.encode(POPULATED, 123);
        assertEquals(SnapshotCodec.FORMAT_VERSION, snapshot.getFormatVersion());
        assertEquals(123, SnapshotCodec.appliedIndex(snapshot));
        PoolState decoded = SnapshotCodec.decode(snapshot);
        assertEquals(POPULATED, decoded);
        assertEquals(List.of(), Invariants.violations(decoded));
    }

    @Test
    void populatedSnapshotCarriesEverything() throws Exception {
        PoolSnapshot snapshot = PoolSnapshot.parseFrom(SnapshotCodec.toBytes(SnapshotCodec.encode(POPULATED, 7)));
        assertEquals(3, snapshot.getHostsCount());
        assertEquals(3, snapshot.getVmsCount());
        assertEquals(2, snapshot.getSrsCount());
        assertEquals(3, snapshot.getPbdsCount());
        assertEquals(2, snapshot.getVdisCount());
        assertEquals(2, snapshot.getVbdsCount());
        assertEquals(45_000, snapshot.getPool().getHaTimeoutMs());
        assertEquals(AppliedRequests.DEFAULT_CAPACITY, snapshot.getAppliedRequestsCapacity());
        // The window, oldest first, with the retried request recorded once.
        assertEquals(
                List.of(
                        "req-create",
                        "req-join-2",
                        "req-join-3",
                        "req-sr1",
                        "req-start-1",
                        "req-start-2",
                        "req-evacuate",
                        "req-dead-2"),
                snapshot.getAppliedRequestsList().stream()
                        .map(AppliedRequest::getRequestId)
                        .toList());
        List<Long> indexes = snapshot.getAppliedRequestsList().stream()
                .map(AppliedRequest::getLogIndex)
                .toList();
        assertEquals(indexes.stream().sorted().toList(), indexes);
        assertEquals(
                List.of(
                        CommandResult.OutcomeCase.DONE,
                        CommandResult.OutcomeCase.JOINED,
                        CommandResult.OutcomeCase.JOINED,
                        CommandResult.OutcomeCase.DONE,
                        CommandResult.OutcomeCase.PLACED,
                        CommandResult.OutcomeCase.PLACED,
                        CommandResult.OutcomeCase.EVACUATION,
                        CommandResult.OutcomeCase.VMS_HALTED),
                snapshot.getAppliedRequestsList().stream()
                        .map(r -> r.getResult().getOutcomeCase())
                        .toList());
        assertEquals(POPULATED, SnapshotCodec.decode(snapshot));
    }

    @Test
    void emptyStateRoundTrip() {
        PoolSnapshot snapshot = SnapshotCodec.encode(PoolState.empty(), 0);
        assertFalse(snapshot.hasPool());
        assertEquals(PoolState.empty(), SnapshotCodec.decode(snapshot));
    }

    @Test
    void bytesAreDeterministic() throws Exception {
        byte[] first = SnapshotCodec.toBytes(SnapshotCodec.encode(POPULATED, 9));
        PoolState again = SnapshotCodec.decode(PoolSnapshot.parseFrom(first));
        assertArrayEquals(first, SnapshotCodec.toBytes(SnapshotCodec.encode(again, 9)));
        assertArrayEquals(
                first,
                SnapshotCodec.toBytes(
                        SnapshotCodec.encode(CodecSamples.populated().state(), 9)));
    }

    @Test
    void mapBytesDoNotDependOnInsertionOrder() {
        PbdRecord forward = PbdRecord.newBuilder()
                .putDeviceConfig("a", "1")
                .putDeviceConfig("b", "2")
                .putDeviceConfig("c", "3")
                .build();
        PbdRecord backward = PbdRecord.newBuilder()
                .putDeviceConfig("c", "3")
                .putDeviceConfig("b", "2")
                .putDeviceConfig("a", "1")
                .build();
        PoolSnapshot one = PoolSnapshot.newBuilder().addPbds(forward).build();
        PoolSnapshot other = PoolSnapshot.newBuilder().addPbds(backward).build();
        assertArrayEquals(SnapshotCodec.toBytes(one), SnapshotCodec.toBytes(other));
    }

    @Test
    void requestWindowKeepsItsCapacityAndEvictionOrder() {
        AppliedRequests window = AppliedRequests.empty(3, 1_000);
        for (int i = 1; i <= 5; i++) {
            window = window.plus("req-" + i, 10L * i, 5_000 + 100L * i, new Result.Placed(H1));
        }
        PoolState state = POPULATED.withRequests(window);
        PoolSnapshot snapshot = SnapshotCodec.encode(state, 50);
        assertEquals(3, snapshot.getAppliedRequestsCapacity());
        assertEquals(1_000, snapshot.getAppliedRequestsHorizonMs());
        assertEquals(
                List.of(5_300L, 5_400L, 5_500L),
                snapshot.getAppliedRequestsList().stream()
                        .map(AppliedRequest::getAppliedAtMs)
                        .toList());
        PoolState decoded = SnapshotCodec.decode(snapshot);
        assertEquals(state, decoded);
        // The decoded window goes on evicting exactly as the original would, by count and by age.
        assertEquals(
                window.plus("req-6", 60, 5_600, Result.DONE), decoded.requests().plus("req-6", 60, 5_600, Result.DONE));
        assertEquals(
                window.plus("req-7", 70, 6_450, Result.DONE), decoded.requests().plus("req-7", 70, 6_450, Result.DONE));
        assertEquals(
                List.of("req-5", "req-7"),
                decoded.requests().plus("req-7", 70, 6_450, Result.DONE).byIndex().values().stream()
                        .map(AppliedRequests.Entry::requestId)
                        .toList(),
                "req-3 over the capacity, req-4 over the horizon");
    }

    /**
     * Version 1 had no pool times and wrote the fixed 10,000 capacity of its code: its window reads with unknown
     * times and today's bounds, and its entries are aged from the first known pool time on, not evicted at once.
     */
    @Test
    void aVersionOneSnapshotIsReadWithUnknownTimesAndTodaysBounds() {
        AppliedRequests window = AppliedRequests.empty(10_000, 60_000);
        for (int i = 1; i <= 5; i++) {
            window = window.plus("req-" + i, 10L * i, 1_700_000_000_000L + i, new Result.Placed(H1));
        }
        PoolSnapshot.Builder v1 = SnapshotCodec.encode(POPULATED.withRequests(window), 50).toBuilder()
                .setFormatVersion(1)
                .clearAppliedRequestsHorizonMs();
        for (int i = 0; i < v1.getAppliedRequestsCount(); i++) {
            v1.setAppliedRequests(i, v1.getAppliedRequests(i).toBuilder().clearAppliedAtMs());
        }

        AppliedRequests read = SnapshotCodec.decode(v1.build()).requests();
        assertEquals(AppliedRequests.DEFAULT_CAPACITY, read.capacity());
        assertEquals(AppliedRequests.DEFAULT_HORIZON_MILLIS, read.horizonMillis());
        assertEquals(
                List.of("req-1", "req-2", "req-3", "req-4", "req-5"),
                read.byIndex().values().stream()
                        .map(AppliedRequests.Entry::requestId)
                        .toList());
        assertEquals(0, read.poolTimeMillis());
        assertEquals(new Result.Placed(H1), read.find("req-3").orElseThrow().result());

        AppliedRequests next = read.plus("req-6", 60, 1_800_000_000_000L, Result.DONE);
        assertEquals(6, next.size(), "unknown times are not evicted as if applied at time 0");
        assertEquals(1_800_000_000_000L, next.find("req-1").orElseThrow().appliedAtMillis());
    }

    /** Version 2 had no join tokens: it reads with none, everything else as written. */
    @Test
    void aVersionTwoSnapshotIsReadWithoutJoinTokens() {
        assertFalse(POPULATED.joinTokens().isEmpty(), "the sample carries tokens");
        PoolSnapshot v2 = SnapshotCodec.encode(POPULATED, 7).toBuilder()
                .setFormatVersion(2)
                .clearJoinTokens()
                .build();
        assertEquals(POPULATED.withJoinTokens(TreePMap.empty()), SnapshotCodec.decode(v2));
    }

    /** A read carries the tokens' ids and expiries, never the hashes of their secrets. */
    @Test
    void aReadCarriesNoSecretHashes() {
        PoolSnapshot read = SnapshotCodec.encode(new AppliedState(POPULATED, 7, 7));
        assertEquals(POPULATED.joinTokens().size(), read.getJoinTokensCount());
        read.getJoinTokensList().forEach(t -> assertEquals("", t.getSecretSha256(), t.getId()));
        assertEquals(
                POPULATED.toView(7).joinTokens(),
                SnapshotCodec.decode(read).toView(7).joinTokens());
        assertFalse(read.toString().contains(TestJoinTokens.SHA256));
    }

    @Test
    void aTokenListedTwiceIsRefused() {
        PoolSnapshot twice = SnapshotCodec.encode(POPULATED, 7).toBuilder()
                .addJoinTokens(SnapshotCodec.encode(POPULATED, 7).getJoinTokens(0))
                .build();
        var e = assertThrows(IllegalArgumentException.class, () -> SnapshotCodec.decode(twice));
        assertTrue(e.getMessage().contains("join token"), e.getMessage());
    }

    @Test
    void zeroCapacityMeansTheDefault() {
        PoolSnapshot snapshot = SnapshotCodec.encode(POPULATED, 1).toBuilder()
                .clearAppliedRequestsCapacity()
                .build();
        assertEquals(POPULATED, SnapshotCodec.decode(snapshot));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 4, -1, 100})
    void unknownFormatVersionIsRefused(int version) {
        PoolSnapshot snapshot = SnapshotCodec.encode(POPULATED, 1).toBuilder()
                .setFormatVersion(version)
                .build();
        var e = assertThrows(IllegalArgumentException.class, () -> SnapshotCodec.decode(snapshot));
        assertTrue(e.getMessage().contains("format_version " + version), e.getMessage());
    }

    static Stream<Arguments> invalidContent() {
        return Stream.of(
                spoil("pool.uuid", s -> s.setPool(s.getPool().toBuilder().setUuid(""))),
                spoil("pool.master", s -> s.setPool(s.getPool().toBuilder().setMaster("master"))),
                spoil("pool.default_sr", s -> s.setPool(s.getPool().toBuilder().setDefaultSr("sr"))),
                spoil("hosts.uuid", s -> s.setHosts(1, s.getHosts(1).toBuilder().setUuid("h2"))),
                spoil(
                        "hosts.role",
                        s -> s.setHosts(0, s.getHosts(0).toBuilder().setRole(HostRole.HOST_ROLE_UNSPECIFIED))),
                spoil("host " + H1 + " is listed twice", s -> s.addHosts(s.getHosts(0))),
                spoil(
                        "vms.power_state",
                        s -> s.setVms(0, s.getVms(0).toBuilder().setPowerState(PowerState.POWER_STATE_UNSPECIFIED))),
                spoil(
                        "vms.power_state",
                        s -> s.setVms(0, s.getVms(0).toBuilder().setPowerStateValue(9))),
                spoil(
                        "vms.ha_restart_priority",
                        s -> s.setVms(
                                0,
                                s.getVms(0).toBuilder()
                                        .setHaRestartPriority(
                                                io.poolkeeper.proto.HaRestartPriority
                                                        .HA_RESTART_PRIORITY_UNSPECIFIED))),
                spoil(
                        "vms.current_operation",
                        s -> s.setVms(0, s.getVms(0).toBuilder().setCurrentOperationValue(77))),
                spoil(
                        "vms.resident_on",
                        s -> s.setVms(0, s.getVms(0).toBuilder().setResidentOn("h1"))),
                spoil("srs.uuid", s -> s.setSrs(0, s.getSrs(0).toBuilder().setUuid("sr"))),
                spoil("pbds.host", s -> s.setPbds(0, s.getPbds(0).toBuilder().setHost(""))),
                spoil("vdis.sr", s -> s.setVdis(0, s.getVdis(0).toBuilder().setSr("x"))),
                spoil("vbds.vm", s -> s.setVbds(0, s.getVbds(0).toBuilder().setVm("x"))),
                spoil("applied_requests_capacity", s -> s.setAppliedRequestsCapacity(-2)),
                spoil("over the capacity", s -> s.setAppliedRequestsCapacity(2)),
                spoil("applied_requests_horizon_ms", s -> s.setAppliedRequestsHorizonMs(-1)),
                spoil(
                        "not in pool-time order",
                        s -> s.setAppliedRequests(
                                0,
                                s.getAppliedRequests(0).toBuilder()
                                        .setAppliedAtMs(s.getAppliedRequests(1).getAppliedAtMs() + 1))),
                spoil(
                        "not in pool-time order",
                        s -> s.setAppliedRequests(
                                0, s.getAppliedRequests(0).toBuilder().setAppliedAtMs(0))),
                spoil(
                        "no request_id",
                        s -> s.setAppliedRequests(
                                0, s.getAppliedRequests(0).toBuilder().setRequestId(""))),
                spoil(
                        "not oldest first",
                        s -> s.setAppliedRequests(
                                0, s.getAppliedRequests(0).toBuilder().setLogIndex(1_000_000))),
                spoil(
                        "twice",
                        s -> s.setAppliedRequests(
                                1,
                                s.getAppliedRequests(1).toBuilder()
                                        .setRequestId(s.getAppliedRequests(0).getRequestId()))),
                spoil(
                        "a rejection where a result was expected",
                        s -> s.setAppliedRequests(
                                0,
                                s.getAppliedRequests(0).toBuilder()
                                        .setResult(ResultCodec.encode(io.poolkeeper.core.Rejection.of(
                                                io.poolkeeper.api.ErrorCode.HOST_OFFLINE))))),
                spoil(
                        "no outcome",
                        s -> s.setAppliedRequests(
                                0, s.getAppliedRequests(0).toBuilder().setResult(CommandResult.getDefaultInstance()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidContent")
    void invalidContentIsRefusedSayingWhat(String what, PoolSnapshot snapshot) {
        var e = assertThrows(IllegalArgumentException.class, () -> SnapshotCodec.decode(snapshot));
        assertTrue(e.getMessage().contains(what), () -> "'" + e.getMessage() + "' should say " + what);
    }

    @Test
    void haTimeoutThatMillisecondsCannotHoldIsRefusedOnEncode() {
        Pool pool = POPULATED.requirePool();
        Pool fine = pool.withHa(false, 0, false, Duration.ofNanos(1_500_000));
        assertThrows(IllegalArgumentException.class, () -> SnapshotCodec.encode(POPULATED.withPool(fine), 1));
        Pool huge = pool.withHa(false, 0, false, Duration.ofSeconds(Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> SnapshotCodec.encode(POPULATED.withPool(huge), 1));
    }

    @Test
    void poolWithoutMasterOrDefaultSrRoundTrips() {
        PoolState bare = PoolState.empty().withPool(Pool.created(POOL, "", 1));
        PoolSnapshot snapshot = SnapshotCodec.encode(bare, 0);
        assertEquals("", snapshot.getPool().getMaster());
        assertEquals("", snapshot.getPool().getDefaultSr());
        assertEquals(bare, SnapshotCodec.decode(snapshot));
    }

    private static Arguments spoil(String what, UnaryOperator<PoolSnapshot.Builder> spoiler) {
        return Arguments.of(
                what,
                spoiler.apply(SnapshotCodec.encode(POPULATED, 1).toBuilder()).build());
    }
}
