package io.poolkeeper.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Pool operations through {@link Transition#apply}: every refusal code each can return, and what each changes. */
@Timeout(30)
class PoolRulesTest {
    private static final long GIB = PoolFixture.GIB;
    private static final PoolId POOL = PoolFixture.POOL;
    private static final HostId MASTER = host(1);
    private static final HostId A = host(2);
    private static final HostId B = host(3);
    private static final HostId UNKNOWN = host(99);
    private static final VmId VM = new VmId(new UUID(1, 0xf0));
    private static final VmId VM2 = new VmId(new UUID(2, 0xf0));
    private static final SrId SR = new SrId(new UUID(1, 0x5));

    // ---------------------------------------------------------------- pool-create

    @Test
    void createMakesAOneHostPoolWithTheCreatorAsLiveEnabledVoterMaster() {
        PoolFixture s = PoolFixture.empty();
        assertEquals(Result.DONE, s.apply(new Operation.PoolCreate(POOL, "lab", spec(MASTER, 8 * GIB, false), 0)));

        Pool pool = s.state().requirePool();
        assertEquals(POOL, pool.uuid());
        assertEquals("lab", pool.nameLabel());
        assertEquals(Optional.of(MASTER), pool.master());
        assertEquals(1, pool.generation());
        assertEquals(false, pool.haEnabled());
        assertEquals(Pool.DEFAULT_MAX_VOTERS, pool.maxVoters(), "max-voters 0 means the default");
        assertEquals(Pool.DEFAULT_HA_TIMEOUT, pool.haTimeout());
        assertEquals(
                Map.of(
                        MASTER,
                        new Host(MASTER, "host-" + MASTER, MASTER + ":7000", true, true, 8 * GIB, HostRole.VOTER)),
                s.state().hosts());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7})
    void createKeepsAnExplicitMaxVoters(int maxVoters) {
        PoolFixture s = PoolFixture.empty();
        s.apply(new Operation.PoolCreate(POOL, "lab", spec(MASTER, GIB, false), maxVoters));
        assertEquals(maxVoters, s.state().requirePool().maxVoters());
    }

    @Test
    void createByAWitnessMakesTheMasterAWitness() {
        PoolFixture s = PoolFixture.empty();
        s.apply(new Operation.PoolCreate(POOL, "lab", spec(MASTER, 0, true), 0));
        assertEquals(HostRole.WITNESS, s.state().hosts().get(MASTER).role());
        assertEquals(Optional.of(MASTER), s.state().requirePool().master());
    }

    @Test
    void createOnAMemberOfAPoolIsRefused() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        PoolId other = new PoolId(new UUID(0xb0_02L, 1));
        Rejection r = s.reject(
                new Operation.PoolCreate(other, "second", spec(A, GIB, false), 0), ErrorCode.POOL_ALREADY_EXISTS);
        assertEquals(List.of(POOL.toString()), r.params());
    }

    static Stream<Arguments> invalidCreates() {
        return Stream.of(
                Arguments.of("negative max-voters", -1, GIB, "h:1", "max-voters"),
                Arguments.of("negative memory", 0, -1L, "h:1", "memory-total"),
                Arguments.of("empty address", 0, GIB, "", "address"),
                Arguments.of("blank address", 0, GIB, "   ", "address"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCreates")
    void createRefusesInvalidValues(String name, int maxVoters, long memory, String address, String field) {
        PoolFixture s = PoolFixture.empty();
        Operation.HostSpec master = new Operation.HostSpec(MASTER, "m", address, memory, false);
        Rejection r = s.reject(new Operation.PoolCreate(POOL, "lab", master, maxVoters), ErrorCode.INVALID_VALUE);
        assertEquals(field, r.params().get(0));
    }

    // ---------------------------------------------------------------- pool-join

    static Stream<Arguments> joinRoles() {
        return Stream.of(
                Arguments.of(0, "VOTER VOTER VOTER VOTER LISTENER LISTENER"),
                Arguments.of(1, "LISTENER LISTENER"),
                Arguments.of(2, "VOTER LISTENER LISTENER"),
                Arguments.of(3, "VOTER VOTER LISTENER"));
    }

    @ParameterizedTest(name = "max-voters {0}: joiners become {1}")
    @MethodSource("joinRoles")
    void joinersAreVotersWhileVotersAreBelowTheMaximumThenListeners(int maxVoters, String roles) {
        PoolFixture s = PoolFixture.empty();
        s.apply(new Operation.PoolCreate(POOL, "lab", spec(MASTER, GIB, false), maxVoters));
        List<HostRole> expected =
                Arrays.stream(roles.split(" ")).map(HostRole::valueOf).toList();
        for (int i = 0; i < expected.size(); i++) {
            HostId joiner = host(10 + i);
            assertEquals(expected.get(i), join(s, joiner, GIB, false), "joiner " + i);
            Host joined = s.state().hosts().get(joiner);
            assertEquals(
                    new Host(joiner, "host-" + joiner, joiner + ":7000", true, true, GIB, expected.get(i)),
                    joined,
                    "a joiner is recorded live and enabled");
        }
    }

    @Test
    void aWitnessJoinsAsWitnessWhileThereIsRoomAndCountsAsAVoter() {
        PoolFixture s = PoolFixture.empty();
        s.apply(new Operation.PoolCreate(POOL, "lab", spec(MASTER, GIB, false), 3));
        assertEquals(HostRole.WITNESS, join(s, A, 0, true));
        assertEquals(HostRole.WITNESS, s.state().hosts().get(A).role());
        assertEquals(HostRole.VOTER, join(s, B, GIB, false));
        assertEquals(HostRole.LISTENER, join(s, host(4), GIB, false), "the witness holds one of the three votes");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2})
    void aWitnessIsRefusedWhenTheVotersAreFull(int maxVoters) {
        PoolFixture s = PoolFixture.empty();
        s.apply(new Operation.PoolCreate(POOL, "lab", spec(MASTER, GIB, false), maxVoters));
        int max = s.state().requirePool().maxVoters();
        for (int i = 1; i < max; i++) {
            assertEquals(HostRole.VOTER, join(s, host(10 + i), GIB, false));
        }
        Rejection r = s.reject(TestJoinTokens.join(spec(A, 0, true)), ErrorCode.VOTER_LIMIT_REACHED);
        assertEquals(List.of(String.valueOf(max)), r.params());
        // A non-witness is still welcome, as a listener.
        assertEquals(HostRole.LISTENER, join(s, A, GIB, false));
    }

    @Test
    void joinIsRefusedWhileHaIsEnabled() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        s.apply(new Operation.PoolHaEnable(0));
        s.reject(TestJoinTokens.join(spec(A, GIB, false)), ErrorCode.HA_IS_ENABLED);
        s.apply(new Operation.PoolHaDisable());
        assertEquals(HostRole.VOTER, join(s, A, GIB, false));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void joinRefusesAHostIdAlreadyInThePool(boolean theMaster) {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        join(s, A, GIB, false);
        HostId again = theMaster ? MASTER : A;
        Rejection r = s.reject(TestJoinTokens.join(spec(again, 2 * GIB, false)), ErrorCode.UUID_ALREADY_EXISTS);
        assertEquals(List.of("host", again.toString()), r.params());
    }

    static Stream<Arguments> invalidJoiners() {
        return Stream.of(
                Arguments.of("negative memory", -1L, "h:1", "memory-total"),
                Arguments.of("empty address", GIB, "", "address"),
                Arguments.of("blank address", GIB, " ", "address"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidJoiners")
    void joinRefusesInvalidHostValues(String name, long memory, String address, String field) {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        Rejection r = s.reject(
                TestJoinTokens.join(new Operation.HostSpec(A, "a", address, memory, false)), ErrorCode.INVALID_VALUE);
        assertEquals(field, r.params().get(0));
    }

    // ---------------------------------------------------------------- pool-eject

    @Test
    void ejectRefusesAnUnknownHost() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        Rejection r = s.reject(new Operation.PoolEject(UNKNOWN), ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("host", UNKNOWN.toString()), r.params());
    }

    @Test
    void ejectRefusesTheMaster() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        join(s, A, GIB, false);
        Rejection r = s.reject(new Operation.PoolEject(MASTER), ErrorCode.CANNOT_EJECT_MASTER);
        assertEquals(List.of(MASTER.toString()), r.params());
    }

    @Test
    void ejectIsRefusedWhileHaIsEnabled() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        join(s, A, GIB, false);
        s.apply(new Operation.PoolHaEnable(0));
        s.reject(new Operation.PoolEject(A), ErrorCode.HA_IS_ENABLED);
    }

    static Stream<Arguments> vmsHoldingA() {
        return Stream.of(
                Arguments.of("running there", (Consumer<PoolFixture>) s -> s.startOn(VM, A)),
                Arguments.of("paused there", (Consumer<PoolFixture>) s -> {
                    s.startOn(VM, A);
                    s.apply(new Operation.VmPause(VM));
                    s.apply(new Operation.VmCompleteOperation(VM, VmOperation.PAUSE, true));
                }),
                Arguments.of("with a pending start reserved there", (Consumer<PoolFixture>)
                        s -> s.apply(new Operation.VmStart(VM, Optional.of(A), false))),
                Arguments.of("migrating to it", (Consumer<PoolFixture>) s -> {
                    s.startOn(VM, MASTER);
                    s.apply(new Operation.VmMigrate(VM, A));
                }),
                Arguments.of("migrating away from it", (Consumer<PoolFixture>) s -> {
                    s.startOn(VM, A);
                    s.apply(new Operation.VmMigrate(VM, MASTER));
                }));
    }

    @ParameterizedTest(name = "a VM {0}")
    @MethodSource("vmsHoldingA")
    void ejectIsRefusedWhileAVmHoldsTheHost(String name, Consumer<PoolFixture> setup) {
        PoolFixture s = PoolFixture.withMaster(MASTER, 4 * GIB);
        join(s, A, 4 * GIB, false);
        s.createVm(VM, GIB);
        setup.accept(s);
        Rejection r = s.reject(new Operation.PoolEject(A), ErrorCode.HOST_HAS_RESIDENT_VMS);
        assertEquals(List.of(A.toString(), VM.toString()), r.params());
    }

    @Test
    void haltedAndSuspendedVmsDoNotHoldAHost() {
        PoolFixture s = PoolFixture.withMaster(MASTER, 4 * GIB);
        join(s, A, 4 * GIB, false);
        s.createVm(VM, GIB);
        s.createVm(VM2, GIB);
        s.startOn(VM2, A);
        s.apply(new Operation.VmSuspend(VM2));
        s.apply(new Operation.VmCompleteOperation(VM2, VmOperation.SUSPEND, true));
        s.apply(new Operation.PoolEject(A));
        assertEquals(List.of(MASTER), List.copyOf(s.state().hosts().keySet()));
    }

    @Test
    void ejectRemovesTheHostWithItsPbdsAndTheAffinitiesToIt() {
        PoolFixture s = PoolFixture.withMaster(MASTER, 4 * GIB);
        join(s, A, 4 * GIB, false);
        join(s, B, 4 * GIB, false);
        PbdId onMaster = new PbdId(new UUID(1, 0xd));
        PbdId onA = new PbdId(new UUID(2, 0xd));
        PbdId onB = new PbdId(new UUID(3, 0xd));
        s.apply(new Operation.SrCreate(
                SR, "nfs", "nfs", true, new TreeMap<>(), new TreeMap<>(Map.of(MASTER, onMaster, A, onA, B, onB))));
        s.apply(vmCreate(VM, GIB, Optional.of(A)));
        s.apply(vmCreate(VM2, GIB, Optional.of(B)));

        assertEquals(Result.DONE, s.apply(new Operation.PoolEject(A)));

        assertEquals(List.of(MASTER, B), List.copyOf(s.state().hosts().keySet()));
        assertEquals(List.of(onMaster, onB), List.copyOf(s.state().pbds().keySet()));
        assertEquals(List.of(SR), List.copyOf(s.state().srs().keySet()));
        assertEquals(Optional.empty(), s.state().vms().get(VM).affinity(), "an affinity to a gone host is cleared");
        assertEquals(Optional.of(B), s.state().vms().get(VM2).affinity());
    }

    // String order, as xhad compares UUIDs: 7fff... < 8000..., though UUID.compareTo (signed) says the opposite.
    private static final HostId HIGH = HostId.of("80000000-0000-0000-0000-000000000000");
    private static final HostId LOW = HostId.of("7fffffff-ffff-ffff-ffff-ffffffffffff");

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void ejectingAVoterOrWitnessPromotesTheLowestUuidListener(boolean witness) {
        PoolFixture s = PoolFixture.empty();
        s.apply(new Operation.PoolCreate(POOL, "lab", spec(MASTER, GIB, false), 2));
        assertEquals(witness ? HostRole.WITNESS : HostRole.VOTER, join(s, A, GIB, witness));
        assertEquals(HostRole.LISTENER, join(s, HIGH, GIB, false));
        assertEquals(HostRole.LISTENER, join(s, LOW, GIB, false));

        s.apply(new Operation.PoolEject(A));

        assertEquals(
                new Host(LOW, "host-" + LOW, LOW + ":7000", true, true, GIB, HostRole.VOTER),
                s.state().hosts().get(LOW));
        assertEquals(HostRole.LISTENER, s.state().hosts().get(HIGH).role());
        assertEquals(2, s.state().voterCount());
    }

    @Test
    void ejectingAListenerPromotesNobody() {
        PoolFixture s = PoolFixture.empty();
        s.apply(new Operation.PoolCreate(POOL, "lab", spec(MASTER, GIB, false), 2));
        join(s, A, GIB, false);
        join(s, HIGH, GIB, false);
        join(s, LOW, GIB, false);

        s.apply(new Operation.PoolEject(LOW));

        assertEquals(HostRole.LISTENER, s.state().hosts().get(HIGH).role());
        assertEquals(2, s.state().voterCount());
    }

    @Test
    void ejectingAVoterWithoutListenersLeavesFewerVoters() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        join(s, A, GIB, false);
        s.apply(new Operation.PoolEject(A));
        assertEquals(1, s.state().voterCount());
    }

    // ---------------------------------------------------------------- pool-designate-new-master

    static Stream<Arguments> designateRefusals() {
        Consumer<PoolFixture> nothing = s -> {};
        return Stream.of(
                Arguments.of(
                        "an unknown host",
                        nothing,
                        UNKNOWN,
                        ErrorCode.HANDLE_INVALID,
                        List.of("host", UNKNOWN.toString())),
                Arguments.of(
                        "HA enabled",
                        (Consumer<PoolFixture>) s -> s.apply(new Operation.PoolHaEnable(0)),
                        A,
                        ErrorCode.HA_IS_ENABLED,
                        List.of()),
                Arguments.of(
                        "a host that is not live",
                        (Consumer<PoolFixture>) s -> s.apply(new Operation.HostSetLive(A, false)),
                        A,
                        ErrorCode.HOST_OFFLINE,
                        List.of(A.toString())),
                Arguments.of(
                        "a disabled host",
                        (Consumer<PoolFixture>) s -> s.apply(new Operation.HostDisable(A)),
                        A,
                        ErrorCode.HOST_DISABLED,
                        List.of(A.toString())),
                Arguments.of(
                        "a listener", nothing, B, ErrorCode.INVALID_VALUE, List.of("host-uuid", B + " is a listener")));
    }

    @ParameterizedTest(name = "{0}: {3}")
    @MethodSource("designateRefusals")
    void designateNewMasterRefusals(
            String name, Consumer<PoolFixture> setup, HostId target, ErrorCode code, List<String> params) {
        PoolFixture s = designatePool();
        setup.accept(s);
        Rejection r = s.reject(new Operation.PoolDesignateNewMaster(target), code);
        assertEquals(params, r.params());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void designateNewMasterAcceptsALiveEnabledVoterAndChangesNothing(int target) {
        PoolFixture s = designatePool();
        PoolState before = s.state();
        assertEquals(Result.DONE, s.apply(new Operation.PoolDesignateNewMaster(host(target))));
        assertEquals(before, s.state(), "leadership transfer does the rest; the master is recorded by pool-set-master");
    }

    /** Master and A vote (max-voters 2), B listens. */
    private static PoolFixture designatePool() {
        PoolFixture s = PoolFixture.empty();
        s.apply(new Operation.PoolCreate(POOL, "lab", spec(MASTER, GIB, false), 2));
        assertEquals(HostRole.VOTER, join(s, A, GIB, false));
        assertEquals(HostRole.LISTENER, join(s, B, GIB, false));
        return s;
    }

    // ---------------------------------------------------------------- pool-param-set

    static Stream<Arguments> acceptedParams() {
        Function<Pool, Object> name = Pool::nameLabel;
        Function<Pool, Object> defaultSr = Pool::defaultSr;
        Function<Pool, Object> failures = Pool::haHostFailuresToTolerate;
        Function<Pool, Object> overcommit = Pool::haAllowOvercommit;
        Function<Pool, Object> timeout = Pool::haTimeout;
        return Stream.of(
                Arguments.of("name-label", "rack 4", name, "rack 4"),
                Arguments.of("name-label", "", name, ""),
                Arguments.of("default-SR", SR.toString(), defaultSr, Optional.of(SR)),
                Arguments.of("default-SR", SR.toString().toUpperCase(Locale.ROOT), defaultSr, Optional.of(SR)),
                Arguments.of("ha-host-failures-to-tolerate", "1", failures, 1),
                Arguments.of("ha-host-failures-to-tolerate", "2", failures, 2),
                Arguments.of("ha-allow-overcommit", "true", overcommit, true),
                Arguments.of("ha-allow-overcommit", "TRUE", overcommit, true),
                Arguments.of("ha-timeout", "45", timeout, Duration.ofSeconds(45)),
                Arguments.of("ha-timeout", "1", timeout, Duration.ofSeconds(1)),
                Arguments.of("ha-timeout", "86400", timeout, Duration.ofDays(1)));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("acceptedParams")
    void paramSetChangesTheField(String key, String value, Function<Pool, Object> field, Object expected) {
        PoolFixture s = paramPool();
        Pool before = s.state().requirePool();
        assertEquals(Result.DONE, s.apply(new Operation.PoolParamSet(key, value)));
        assertEquals(expected, field.apply(s.state().requirePool()));
        assertEquals(before.uuid(), s.state().requirePool().uuid());
        assertEquals(before.master(), s.state().requirePool().master());
    }

    static Stream<Arguments> refusedParams() {
        return Stream.of(
                Arguments.of("default-SR", "not-a-uuid", ErrorCode.INVALID_VALUE),
                Arguments.of("default-SR", "0-1-0-0-5", ErrorCode.INVALID_VALUE),
                Arguments.of("default-SR", SR.toString().replace("-", ""), ErrorCode.INVALID_VALUE),
                Arguments.of("default-SR", new SrId(new UUID(9, 9)).toString(), ErrorCode.HANDLE_INVALID),
                Arguments.of("ha-host-failures-to-tolerate", "-1", ErrorCode.INVALID_VALUE),
                Arguments.of("ha-host-failures-to-tolerate", "3", ErrorCode.INVALID_VALUE),
                Arguments.of("ha-host-failures-to-tolerate", "one", ErrorCode.INVALID_VALUE),
                Arguments.of("ha-host-failures-to-tolerate", "", ErrorCode.INVALID_VALUE),
                Arguments.of("ha-allow-overcommit", "yes", ErrorCode.INVALID_VALUE),
                Arguments.of("ha-allow-overcommit", "", ErrorCode.INVALID_VALUE),
                Arguments.of("ha-timeout", "0", ErrorCode.INVALID_VALUE),
                Arguments.of("ha-timeout", "-30", ErrorCode.INVALID_VALUE),
                Arguments.of("ha-timeout", "86401", ErrorCode.INVALID_VALUE),
                Arguments.of("ha-timeout", "30s", ErrorCode.INVALID_VALUE),
                Arguments.of("name", "x", ErrorCode.UNKNOWN_FIELD),
                Arguments.of("ha-enabled", "true", ErrorCode.UNKNOWN_FIELD),
                Arguments.of("NAME-LABEL", "x", ErrorCode.UNKNOWN_FIELD));
    }

    @ParameterizedTest(name = "{0}={1}: {2}")
    @MethodSource("refusedParams")
    void paramSetRefusals(String key, String value, ErrorCode code) {
        PoolFixture s = paramPool();
        Rejection r = s.reject(new Operation.PoolParamSet(key, value), code);
        List<String> expected =
                switch (code) {
                    case HANDLE_INVALID -> List.of("SR", value);
                    case UNKNOWN_FIELD -> List.of("pool", key);
                    default -> List.of(key, value);
                };
        assertEquals(expected, r.params());
    }

    @Test
    void paramSetEmptyDefaultSrClearsIt() {
        PoolFixture s = paramPool();
        s.apply(new Operation.PoolParamSet("default-SR", SR.toString()));
        s.apply(new Operation.PoolParamSet("default-SR", ""));
        assertEquals(Optional.empty(), s.state().requirePool().defaultSr());
    }

    @Test
    void paramSetHaAllowOvercommitCanBeTurnedOffAgain() {
        PoolFixture s = paramPool();
        s.apply(new Operation.PoolParamSet("ha-allow-overcommit", "true"));
        s.apply(new Operation.PoolParamSet("ha-allow-overcommit", "False"));
        assertEquals(false, s.state().requirePool().haAllowOvercommit());
    }

    /** A two-host pool with one SR. */
    private static PoolFixture paramPool() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        join(s, A, GIB, false);
        s.apply(new Operation.SrCreate(SR, "nfs", "nfs", true, new TreeMap<>(), new TreeMap<>()));
        return s;
    }

    // ---------------------------------------------------------------- pool-ha-enable / pool-ha-disable

    @Test
    void haEnableWithTimeoutZeroKeepsTheConfiguredTimeoutAndSettings() {
        PoolFixture s = paramPool();
        s.apply(new Operation.PoolParamSet("ha-timeout", "45"));
        s.apply(new Operation.PoolParamSet("ha-host-failures-to-tolerate", "1"));
        s.apply(new Operation.PoolParamSet("ha-allow-overcommit", "true"));
        assertEquals(Result.DONE, s.apply(new Operation.PoolHaEnable(0)));
        Pool pool = s.state().requirePool();
        assertEquals(true, pool.haEnabled());
        assertEquals(Duration.ofSeconds(45), pool.haTimeout());
        assertEquals(1, pool.haHostFailuresToTolerate());
        assertEquals(true, pool.haAllowOvercommit());
    }

    @Test
    void haEnableWithATimeoutSetsIt() {
        PoolFixture s = paramPool();
        s.apply(new Operation.PoolHaEnable(12_500));
        assertEquals(Duration.ofMillis(12_500), s.state().requirePool().haTimeout());
    }

    @Test
    void haEnableRefusesATimeoutUnderASecondAndTheTimeoutIsFixedWhileArmed() {
        PoolFixture s = paramPool();
        assertEquals(
                List.of("ha-timeout", "999"),
                s.reject(new Operation.PoolHaEnable(999), ErrorCode.INVALID_VALUE)
                        .params());
        s.apply(new Operation.PoolHaEnable(1_000));
        s.reject(new Operation.PoolParamSet("ha-timeout", "60"), ErrorCode.HA_IS_ENABLED);
        assertEquals(Duration.ofSeconds(1), s.state().requirePool().haTimeout());
    }

    @Test
    void haEnableIsRefusedWhenAlreadyEnabled() {
        PoolFixture s = paramPool();
        s.apply(new Operation.PoolHaEnable(0));
        s.reject(new Operation.PoolHaEnable(0), ErrorCode.HA_IS_ENABLED);
    }

    @Test
    void haEnableIsRefusedWhileAnyHostIsNotLive() {
        PoolFixture s = paramPool();
        join(s, B, GIB, true);
        s.apply(new Operation.HostSetLive(B, false));
        Rejection r = s.reject(new Operation.PoolHaEnable(0), ErrorCode.HOST_OFFLINE);
        assertEquals(List.of(B.toString()), r.params());
        s.apply(new Operation.HostSetLive(B, true));
        s.apply(new Operation.PoolHaEnable(0));
    }

    @Test
    void haEnableRefusesANegativeTimeout() {
        PoolFixture s = paramPool();
        Rejection r = s.reject(new Operation.PoolHaEnable(-1), ErrorCode.INVALID_VALUE);
        assertEquals(List.of("ha-timeout", "-1"), r.params());
    }

    @Test
    void haDisableIsRefusedWhenNotEnabled() {
        PoolFixture s = paramPool();
        s.reject(new Operation.PoolHaDisable(), ErrorCode.HA_NOT_ENABLED);
    }

    @Test
    void haDisableDisarmsAndKeepsTheSettings() {
        PoolFixture s = paramPool();
        s.apply(new Operation.PoolParamSet("ha-host-failures-to-tolerate", "1"));
        s.apply(new Operation.PoolHaEnable(20_000));
        Pool armed = s.state().requirePool();
        assertEquals(Result.DONE, s.apply(new Operation.PoolHaDisable()));
        Pool pool = s.state().requirePool();
        assertEquals(false, pool.haEnabled());
        assertEquals(armed.withHa(false, 1, false, Duration.ofSeconds(20)), pool);
    }

    // ---------------------------------------------------------------- pool-set-master

    @Test
    void setMasterRefusesAnUnknownHost() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        Rejection r = s.reject(new Operation.PoolSetMaster(UNKNOWN), ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("host", UNKNOWN.toString()), r.params());
    }

    @Test
    void setMasterRecordsTheMasterAndMarksItLive() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        join(s, A, GIB, false);
        s.apply(new Operation.HostSetLive(A, false));
        assertEquals(Result.DONE, s.apply(new Operation.PoolSetMaster(A)));
        assertEquals(Optional.of(A), s.state().requirePool().master());
        assertEquals(true, s.state().hosts().get(A).live(), "being leader proves it alive");
        assertEquals(true, s.state().hosts().get(MASTER).live());
        assertEquals(1, s.state().requirePool().generation());
    }

    // ---------------------------------------------------------------- pool-import

    @Test
    void importIsRefusedOnAMemberOfAPool() {
        PoolFixture s = PoolFixture.withMaster(MASTER, GIB);
        Rejection r = s.reject(new Operation.PoolImport(survivorState(), 2, A), ErrorCode.POOL_ALREADY_EXISTS);
        assertEquals(List.of(POOL.toString()), r.params());
    }

    @Test
    void importOfAStateWithoutPoolIsRefused() {
        PoolFixture.empty().reject(new Operation.PoolImport(PoolState.empty(), 2, A), ErrorCode.NO_POOL);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1})
    void importIsRefusedUnlessTheGenerationIsNewer(long generation) {
        Rejection r = PoolFixture.empty()
                .reject(new Operation.PoolImport(survivorState(), generation, A), ErrorCode.POOL_GENERATION_STALE);
        assertEquals(List.of(String.valueOf(generation), "1"), r.params());
    }

    @Test
    void importRefusesAMasterOutsideTheImportedState() {
        Rejection r = PoolFixture.empty()
                .reject(new Operation.PoolImport(survivorState(), 2, UNKNOWN), ErrorCode.HANDLE_INVALID);
        assertEquals(List.of("host", UNKNOWN.toString()), r.params());
    }

    @Test
    void importTakesTheSurvivorsStateUnderTheNewGenerationAndMaster() {
        PoolState survivor = survivorState();
        PoolFixture s = PoolFixture.empty();
        assertEquals(Result.DONE, s.apply(new Operation.PoolImport(survivor, 2, A)));

        Pool pool = s.state().requirePool();
        assertEquals(2, pool.generation());
        assertEquals(Optional.of(A), pool.master());
        assertEquals(survivor.requirePool().withGeneration(2).withMaster(A), pool, "the rest of the pool is kept");
        assertEquals(true, s.state().hosts().get(A).live(), "the new master is live");
        assertEquals(false, s.state().hosts().get(MASTER).live(), "the lost master stays as it was");
        assertEquals(survivor.hosts().minus(A), s.state().hosts().minus(A));
        assertEquals(survivor.vms(), s.state().vms());
        assertEquals(survivor.srs(), s.state().srs());
        assertEquals(survivor.pbds(), s.state().pbds());
    }

    // ---------------------------------------------------------------- chunked pool-import

    @Test
    void chunkedImportStagesInvisiblyThenFoundsWhatOneImportWould() {
        PoolState survivor = survivorState();
        List<PoolState> parts = parts(survivor);
        PoolFixture single = PoolFixture.empty();
        single.apply(new Operation.PoolImport(survivor, 2, A));
        PoolFixture s = PoolFixture.empty();

        assertEquals(Result.DONE, s.apply(begin("import/2", parts.size(), survivor)));
        for (int i = 0; i < parts.size(); i++) {
            assertEquals(Result.DONE, s.apply(new Operation.PoolImportChunk("import/2", i, parts.get(i))));
            assertEquals(Optional.empty(), s.state().pool(), "no pool before the commit");
            assertEquals(0, s.state().vms().size() + s.state().hosts().size(), "no object before the commit");
        }
        assertEquals(parts.size(), s.state().staged().orElseThrow().received());
        assertEquals(Result.DONE, s.apply(new Operation.PoolImportCommit("import/2")));

        assertEquals(Optional.empty(), s.state().staged());
        assertEquals(single.state(), s.state());
    }

    @Test
    void aResubmittedChunkChangesNothingAndOneOutOfOrderIsRefused() {
        PoolState survivor = survivorState();
        List<PoolState> parts = parts(survivor);
        PoolFixture s = PoolFixture.empty();
        s.apply(begin("import/2", parts.size(), survivor));
        s.apply(new Operation.PoolImportChunk("import/2", 0, parts.get(0)));
        PoolState once = s.state();

        assertEquals(Result.DONE, s.apply(new Operation.PoolImportChunk("import/2", 0, parts.get(0))));
        assertEquals(once, s.state());
        Rejection r = s.reject(new Operation.PoolImportChunk("import/2", 2, parts.get(2)), ErrorCode.INVALID_VALUE);
        assertEquals(List.of("import-chunk", "2"), r.params());
    }

    @Test
    void aChunkRepeatingAnObjectIsRefused() {
        PoolState survivor = survivorState();
        List<PoolState> parts = parts(survivor);
        PoolFixture s = PoolFixture.empty();
        s.apply(begin("import/2", parts.size(), survivor));
        s.apply(new Operation.PoolImportChunk("import/2", 0, parts.get(0)));

        s.reject(new Operation.PoolImportChunk("import/2", 1, parts.get(0)), ErrorCode.INVALID_VALUE);
    }

    @Test
    void aCommitBeforeEveryChunkOrObjectArrivedIsRefusedAndStagesOn() {
        PoolState survivor = survivorState();
        List<PoolState> parts = parts(survivor);
        PoolFixture s = PoolFixture.empty();
        s.apply(begin("import/2", parts.size(), survivor));
        s.apply(new Operation.PoolImportChunk("import/2", 0, parts.get(0)));

        Rejection early = s.reject(new Operation.PoolImportCommit("import/2"), ErrorCode.INVALID_VALUE);
        assertEquals(List.of("import-chunks", "1"), early.params());
        assertEquals(Optional.empty(), s.state().pool());

        PoolFixture miscounted = PoolFixture.empty();
        miscounted.apply(new Operation.PoolImportBegin("import/2", 2, A, parts.size(), 1));
        for (int i = 0; i < parts.size(); i++) {
            miscounted.apply(new Operation.PoolImportChunk("import/2", i, parts.get(i)));
        }
        Rejection count = miscounted.reject(new Operation.PoolImportCommit("import/2"), ErrorCode.INVALID_VALUE);
        assertEquals("import-objects", count.params().get(0));
    }

    @Test
    void aNewBeginAbortsTheStagedImportWhoseChunksAndCommitAreThenRefused() {
        PoolState survivor = survivorState();
        List<PoolState> parts = parts(survivor);
        PoolFixture s = PoolFixture.empty();
        s.apply(begin("import/2", parts.size(), survivor));
        s.apply(new Operation.PoolImportChunk("import/2", 0, parts.get(0)));

        assertEquals(Result.DONE, s.apply(begin("import/3", parts.size(), survivor)));

        assertEquals(0, s.state().staged().orElseThrow().received());
        Rejection r = s.reject(
                new Operation.PoolImportChunk("import/2", 1, parts.get(1)), ErrorCode.OPERATION_NOT_IN_PROGRESS);
        assertEquals(List.of("pool-import", "import/2"), r.params());
        s.reject(new Operation.PoolImportCommit("import/2"), ErrorCode.OPERATION_NOT_IN_PROGRESS);
    }

    @Test
    void chunksAndCommitWithoutABeginAreRefused() {
        PoolFixture s = PoolFixture.empty();
        s.reject(new Operation.PoolImportChunk("import/2", 0, survivorState()), ErrorCode.OPERATION_NOT_IN_PROGRESS);
        s.reject(new Operation.PoolImportCommit("import/2"), ErrorCode.OPERATION_NOT_IN_PROGRESS);
    }

    @Test
    void aBeginIsRefusedInAPoolOrWithoutChunks() {
        PoolFixture.withMaster(MASTER, GIB)
                .reject(begin("import/2", 1, survivorState()), ErrorCode.POOL_ALREADY_EXISTS);
        Rejection r = PoolFixture.empty().reject(begin("import/2", 0, survivorState()), ErrorCode.INVALID_VALUE);
        assertEquals(List.of("import-chunks", "0"), r.params());
        PoolFixture.empty().reject(begin("", 1, survivorState()), ErrorCode.INVALID_VALUE);
    }

    @Test
    void aCommitChecksTheImportLikeOneImportDoes() {
        PoolState survivor = survivorState();
        PoolFixture s = PoolFixture.empty();
        s.apply(new Operation.PoolImportBegin("import/1", 1, A, 1, StagedImport.objectCount(survivor)));
        s.apply(new Operation.PoolImportChunk("import/1", 0, survivor));

        s.reject(new Operation.PoolImportCommit("import/1"), ErrorCode.POOL_GENERATION_STALE);
        assertEquals(Optional.empty(), s.state().pool());
    }

    /** The survivor's state in three parts: the pool with its window and join tokens, the hosts, everything else. */
    private static List<PoolState> parts(PoolState survivor) {
        PoolState head = PoolState.empty()
                .withPool(survivor.requirePool())
                .withRequests(survivor.requests())
                .withJoinTokens(survivor.joinTokens());
        PoolState hosts = PoolState.empty();
        for (var h : survivor.hosts().values()) {
            hosts = hosts.withHost(h);
        }
        PoolState rest = PoolState.empty();
        for (var vm : survivor.vms().values()) {
            rest = rest.withVm(vm);
        }
        for (var sr : survivor.srs().values()) {
            rest = rest.withSr(sr);
        }
        for (var pbd : survivor.pbds().values()) {
            rest = rest.withPbd(pbd);
        }
        return List.of(head, hosts, rest);
    }

    private static Operation.PoolImportBegin begin(String importId, int chunks, PoolState survivor) {
        return new Operation.PoolImportBegin(importId, 2, A, chunks, StagedImport.objectCount(survivor));
    }

    /** A survivor's copy: master lost (not live), A believed dead by the old master, a VM running on A. */
    private static PoolState survivorState() {
        PoolFixture s = PoolFixture.withMaster(MASTER, 4 * GIB);
        join(s, A, 4 * GIB, false);
        s.apply(new Operation.SrCreate(
                SR, "nfs", "nfs", true, new TreeMap<>(), new TreeMap<>(Map.of(A, new PbdId(new UUID(2, 0xd))))));
        s.createVm(VM, GIB);
        s.startOn(VM, A);
        s.apply(new Operation.HostSetLive(A, false));
        s.apply(new Operation.HostSetLive(MASTER, false));
        return s.state();
    }

    // ---------------------------------------------------------------- helpers

    private static HostId host(int n) {
        return new HostId(new UUID(n, 0x40));
    }

    private static Operation.HostSpec spec(HostId id, long memory, boolean witness) {
        return PoolFixture.spec(id, memory, witness);
    }

    private static Operation.VmCreate vmCreate(VmId id, long memory, Optional<HostId> affinity) {
        return new Operation.VmCreate(id, "vm" + id, memory, 1, affinity, HaRestartPriority.NONE, 0);
    }

    /** Joins a host and returns the role it was given. */
    private static HostRole join(PoolFixture f, HostId host, long memory, boolean witness) {
        return assertInstanceOf(Result.Joined.class, f.apply(TestJoinTokens.join(spec(host, memory, witness))))
                .role();
    }
}
