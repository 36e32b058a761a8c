package io.poolkeeper.core;

import static io.poolkeeper.core.PoolFixture.GIB;
import static io.poolkeeper.core.PoolFixture.hostId;
import static io.poolkeeper.core.PoolFixture.pbdId;
import static io.poolkeeper.core.PoolFixture.srId;
import static io.poolkeeper.core.PoolFixture.vbdId;
import static io.poolkeeper.core.PoolFixture.vdiId;
import static io.poolkeeper.core.PoolFixture.vmId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.VmId;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@link InputLimits} limit: a command at the limit passes the check and is applied as before; one past it is
 * refused by the check and by {@link Transition#apply} alike, with {@link ErrorCode#INVALID_VALUE} naming the field,
 * the limit and the size, and changes nothing.
 */
@Timeout(30)
class InputLimitsTest {
    private static final VmId VM = vmId(1);

    /** A command whose one field has size {@code n}; {@code limit} is where refusals begin past. */
    record Case(String field, long limit, Function<Long, PoolCommand> command) {
        @Override
        public String toString() {
            return field;
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                        text("request-id", InputLimits.REQUEST_ID, s -> new PoolCommand(s, 0, 0, vmCreate("web", GIB))),
                        text("vm-create name-label", InputLimits.NAME_LABEL, s -> cmd(vmCreate(s, GIB))),
                        text("pool-param-set key", InputLimits.PARAM_KEY, s -> cmd(new Operation.PoolParamSet(s, ""))),
                        text(
                                "pool-param-set value",
                                InputLimits.NAME_LABEL,
                                s -> cmd(new Operation.PoolParamSet("name-label", s))),
                        text(
                                "vm-param-set value",
                                InputLimits.NAME_LABEL,
                                s -> cmd(new Operation.VmParamSet(VM, "name-label", s))),
                        text(
                                "vm-param-set value",
                                InputLimits.PARAM_VALUE,
                                s -> cmd(new Operation.VmParamSet(VM, "description", s))),
                        text("vm-param-set key", InputLimits.PARAM_KEY, s -> cmd(new Operation.VmParamSet(VM, s, "x"))),
                        text(
                                "pool-join host name-label",
                                InputLimits.NAME_LABEL,
                                s -> cmd(new Operation.PoolJoin(spec(s, "10.0.0.9:7000", GIB), ""))),
                        text(
                                "pool-join host address",
                                InputLimits.ADDRESS,
                                s -> cmd(new Operation.PoolJoin(spec("h", s, GIB), ""))),
                        text(
                                "pool-join join-token",
                                InputLimits.SHORT_TEXT,
                                s -> cmd(new Operation.PoolJoin(spec("h", "10.0.0.9:7000", GIB), s))),
                        text(
                                "pool-join-token-revoke id",
                                InputLimits.SHORT_TEXT,
                                s -> cmd(new Operation.PoolJoinTokenRevoke(s))),
                        text("sr-create name-label", InputLimits.NAME_LABEL, s -> cmd(srCreate(s, "nfs", 1, 1, "v"))),
                        text("sr-create type", InputLimits.SHORT_TEXT, s -> cmd(srCreate("sr", s, 1, 1, "v"))),
                        text(
                                "sr-create device-config value",
                                InputLimits.MAP_VALUE,
                                s -> cmd(srCreate("sr", "nfs", 1, 1, s))),
                        text(
                                "vdi-create name-label",
                                InputLimits.NAME_LABEL,
                                s -> cmd(new Operation.VdiCreate(vdiId(1), srId(1), s, GIB))),
                        text(
                                "vbd-create device",
                                InputLimits.SHORT_TEXT,
                                s -> cmd(new Operation.VbdCreate(vbdId(1), VM, vdiId(1), s))),
                        text(
                                "pool-alert param",
                                InputLimits.PARAM_VALUE,
                                s -> cmd(new Operation.PoolAlert(ErrorCode.DEFAULT_SR_INVALID, List.of(s)))),
                        count(
                                "sr-create device-config",
                                InputLimits.MAP_ENTRIES,
                                n -> cmd(srCreate("sr", "nfs", n, 1, "v"))),
                        count("sr-create pbds", InputLimits.HOSTS, n -> cmd(srCreate("sr", "nfs", 1, n, "v"))),
                        count(
                                "pbd-create device-config",
                                InputLimits.MAP_ENTRIES,
                                n -> cmd(new Operation.PbdCreate(pbdId(1), srId(1), hostId(1), config(n, "v")))),
                        count(
                                "pool-alert params",
                                InputLimits.ALERT_PARAMS,
                                n -> cmd(new Operation.PoolAlert(
                                        ErrorCode.DEFAULT_SR_INVALID, java.util.Collections.nCopies(n, "p")))),
                        new Case("vm-create memory", InputLimits.BYTES, n -> cmd(vmCreate("web", n))),
                        new Case(
                                "pool-join host memory-total",
                                InputLimits.BYTES,
                                n -> cmd(new Operation.PoolJoin(spec("h", "10.0.0.9:7000", n), ""))),
                        new Case(
                                "vdi-create virtual-size",
                                InputLimits.BYTES,
                                n -> cmd(new Operation.VdiCreate(vdiId(1), srId(1), "d", n))),
                        new Case(
                                "pool-ha-enable timeout",
                                InputLimits.HA_TIMEOUT_MILLIS,
                                n -> cmd(new Operation.PoolHaEnable(n))))
                .map(c -> Arguments.of(c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void atTheLimitPassesOnePastIsRefusedAndChangesNothing(Case c) {
        PoolCommand at = c.command().apply(c.limit());
        PoolCommand past = c.command().apply(c.limit() + 1);

        assertEquals(Optional.empty(), InputLimits.check(at), c.field() + " at the limit");
        Rejection refused = InputLimits.check(past).orElseThrow(() -> new AssertionError(c.field() + " past it"));
        assertEquals(ErrorCode.INVALID_VALUE, refused.code());
        assertEquals(c.field(), refused.params().get(0), refused.message());
        assertTrue(refused.params().get(1).contains(Long.toString(c.limit())), refused.message());
        assertTrue(refused.params().get(2).contains(Long.toString(c.limit() + 1)), refused.message());

        // Apply refuses it too, whatever the state, and changes nothing.
        PoolState state = pool();
        Outcome outcome = Transition.apply(state, past, new ApplyContext(100, 100));
        assertEquals(refused, assertInstanceOf(Outcome.Rejected.class, outcome).rejection());
        Outcome atLimit = Transition.apply(state, at, new ApplyContext(100, 100));
        if (atLimit instanceof Outcome.Rejected r) {
            // Within the limits, any refusal is the rules' own, never about size.
            assertFalse(
                    r.rejection().message().contains("the limit is"),
                    r.rejection().message());
        }
    }

    @Test
    void aRefusedCommandLeavesTheStateAsItWas() {
        PoolState state = pool();
        Outcome outcome = Transition.apply(
                state,
                new PoolCommand("r", 0, 0, vmCreate("x".repeat(InputLimits.NAME_LABEL + 1), GIB)),
                new ApplyContext(100, 100));
        assertInstanceOf(Outcome.Rejected.class, outcome);
        // Not remembered either: the same id with a valid command is applied.
        Outcome retry =
                Transition.apply(state, new PoolCommand("r", 0, 0, vmCreate("x", GIB)), new ApplyContext(101, 101));
        assertTrue(assertInstanceOf(Outcome.Applied.class, retry).next().vms().containsKey(vmId(9)));
    }

    @Test
    void vmMemoryThroughParamSetHasTheSameLimit() {
        PoolState state = pool();
        Outcome at = Transition.apply(
                state,
                cmd(new Operation.VmParamSet(VM, "memory", Long.toString(InputLimits.BYTES))),
                new ApplyContext(100, 100));
        assertEquals(
                InputLimits.BYTES,
                assertInstanceOf(Outcome.Applied.class, at).next().vms().get(VM).memory());
        Outcome past = Transition.apply(
                state,
                cmd(new Operation.VmParamSet(VM, "memory", Long.toString(InputLimits.BYTES + 1))),
                new ApplyContext(100, 100));
        assertEquals(
                ErrorCode.INVALID_VALUE,
                assertInstanceOf(Outcome.Rejected.class, past).rejection().code());
    }

    @Test
    void addressesMustBeHostAndPort() {
        for (String good : List.of("127.0.0.1:1", "host.example:65535", "[::1]:7000", "a".repeat(294) + ":12345")) {
            assertEquals(Optional.empty(), InputLimits.address("raft-address", good), good);
        }
        for (String bad : List.of(
                "",
                "host",
                "host:",
                ":7000",
                "host:0",
                "host:65536",
                "host:7x",
                "ho st:1",
                "h\n:1",
                "a".repeat(295) + ":12345")) {
            Rejection r = InputLimits.address("raft-address", bad).orElseThrow(() -> new AssertionError(bad));
            assertEquals(ErrorCode.INVALID_VALUE, r.code());
            assertEquals("raft-address", r.params().get(0));
        }
    }

    @Test
    void rangesNameTheFieldTheRangeAndTheValue() {
        assertEquals(Optional.empty(), InputLimits.range("silent-ms", 0, 0, 10));
        assertEquals(Optional.empty(), InputLimits.range("silent-ms", 10, 0, 10));
        Rejection r = InputLimits.range("silent-ms", -1, 0, 10).orElseThrow();
        assertEquals(List.of("silent-ms", "0..10", "-1"), r.params());
        assertTrue(InputLimits.range("silent-ms", 11, 0, 10).isPresent());
    }

    // ---------------------------------------------------------------- helpers

    /** A pool with one host and the VM {@link #VM}, halted. */
    private static PoolState pool() {
        PoolFixture fixture = PoolFixture.withHosts(64 * GIB);
        fixture.apply(PoolFixture.vmCreate(VM, GIB));
        return fixture.state();
    }

    private static Case text(String field, int limit, Function<String, PoolCommand> command) {
        return new Case(field, limit, n -> command.apply("x".repeat(n.intValue())));
    }

    private static Case count(String field, int limit, IntFunction<PoolCommand> command) {
        return new Case(field, limit, n -> command.apply(n.intValue()));
    }

    private static PoolCommand cmd(Operation operation) {
        return PoolCommand.of(operation);
    }

    private static Operation.VmCreate vmCreate(String name, long memory) {
        return new Operation.VmCreate(vmId(9), name, memory, 1, Optional.empty(), HaRestartPriority.NONE, 0);
    }

    private static Operation.HostSpec spec(String name, String address, long memory) {
        return new Operation.HostSpec(hostId(7), name, address, memory, false);
    }

    private static SortedMap<String, String> config(int entries, String value) {
        SortedMap<String, String> map = new TreeMap<>();
        for (int i = 0; i < entries; i++) {
            map.put("key" + i, value);
        }
        return map;
    }

    private static Operation.SrCreate srCreate(String name, String type, int entries, int pbds, String value) {
        SortedMap<HostId, PbdId> placements = new TreeMap<>();
        for (int i = 0; i < pbds; i++) {
            placements.put(hostId(100 + i), pbdId(100 + i));
        }
        return new Operation.SrCreate(srId(1), name, type, true, config(entries, value), placements);
    }
}
