package io.poolkeeper.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Builds pools for core tests the way a real pool gets there: every step is a command applied through
 * {@link Transition#apply}, and after every applied step {@link Invariants#violations} must be empty. Mutable and
 * single-threaded: one fixture per test.
 *
 * <p>Ids are deterministic: {@code hostId(n)}, {@code vmId(n)}, ... order by {@code n} (their UUID strings differ only
 * in the last field), and each object class has its own first field, so a printed id tells what it names. The first
 * host given to {@link #withHosts} is host 1 and is the master.
 *
 * <p>Assertion helpers: {@link #apply} (must be applied), {@link #reject} (must be refused with a code, the state kept
 * and a retry with a request id refused again, i.e. nothing recorded).
 */
final class PoolFixture {
    /** One gibibyte, the unit host and VM memory is given in by most tests. */
    static final long GIB = 1L << 30;

    static final PoolId POOL = new PoolId(UUID.fromString("00000000-0000-0000-0000-0000000000aa"));

    private PoolState state;
    private long logIndex;
    private int nextVbd = 1;
    private int nextPbd = 1;

    private PoolFixture(PoolState state) {
        this.state = state;
    }

    // ------------------------------------------------------------------ ids

    static HostId hostId(int n) {
        return new HostId(id(0x40, n));
    }

    static VmId vmId(int n) {
        return new VmId(id(0x50, n));
    }

    static SrId srId(int n) {
        return new SrId(id(0x60, n));
    }

    static PbdId pbdId(int n) {
        return new PbdId(id(0x61, n));
    }

    static VdiId vdiId(int n) {
        return new VdiId(id(0x70, n));
    }

    static VbdId vbdId(int n) {
        return new VbdId(id(0x71, n));
    }

    private static UUID id(int kind, int n) {
        return UUID.fromString(String.format("%08x-0000-4000-8000-%012x", kind, n));
    }

    // ------------------------------------------------------------------ construction

    /** A member in no pool. */
    static PoolFixture empty() {
        return new PoolFixture(PoolState.empty());
    }

    /** A pool of {@code memoryTotals.length} live, enabled hosts {@code hostId(1..n)}; host 1 is master. */
    static PoolFixture withHosts(long... memoryTotals) {
        if (memoryTotals.length == 0) {
            throw new IllegalArgumentException("a pool has at least its master");
        }
        PoolFixture fixture = withMaster(hostId(1), memoryTotals[0]);
        for (int i = 1; i < memoryTotals.length; i++) {
            fixture.join(hostId(i + 1), memoryTotals[i]);
        }
        return fixture;
    }

    /** A one-host pool whose master has the given id (for tests that need particular id orders). */
    static PoolFixture withMaster(HostId master, long memoryTotal) {
        PoolFixture fixture = empty();
        fixture.apply(new Operation.PoolCreate(POOL, "pool", spec(master, memoryTotal, false), 0));
        return fixture;
    }

    static Operation.HostSpec spec(HostId host, long memoryTotal, boolean witness) {
        return new Operation.HostSpec(host, "host-" + host, host + ":7000", memoryTotal, witness);
    }

    // ------------------------------------------------------------------ state access

    /** The current state: the result of every command applied so far. */
    PoolState state() {
        return state;
    }

    Vm vm(VmId id) {
        Vm vm = state.vms().get(id);
        if (vm == null) {
            fail("no VM " + id);
        }
        return vm;
    }

    Host host(HostId id) {
        Host host = state.hosts().get(id);
        if (host == null) {
            fail("no host " + id);
        }
        return host;
    }

    long freeMemory(HostId id) {
        return state.freeMemory(host(id));
    }

    /** The PBD of {@code sr} on {@code host}, which must exist. */
    PbdId pbdOf(SrId sr, HostId host) {
        return state.pbds().values().stream()
                .filter(pbd -> pbd.sr().equals(sr) && pbd.host().equals(host))
                .map(Pbd::uuid)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no PBD of SR " + sr + " on host " + host));
    }

    // ------------------------------------------------------------------ applying

    /** Applies {@code command} as the next log entry, without asserting anything; the state follows if applied. */
    Outcome applyRaw(PoolCommand command) {
        Outcome outcome = Transition.apply(state, command, new ApplyContext(++logIndex));
        if (outcome instanceof Outcome.Applied applied) {
            state = applied.next();
        }
        return outcome;
    }

    /** Applies {@code operation}, which must be applied; asserts the invariants and returns the result. */
    Result apply(Operation operation) {
        return apply(PoolCommand.of(operation));
    }

    Result apply(PoolCommand command) {
        Outcome outcome = applyRaw(command);
        if (outcome instanceof Outcome.Rejected rejected) {
            fail(command.operation().xeName() + " " + command.operation() + " was rejected: " + rejected.rejection());
        }
        assertInvariants(command.operation().xeName());
        if (command.operation() instanceof Operation.PoolCreate) {
            // Joins need a token: every fixture pool issues the test token right after it is created.
            apply(TestJoinTokens.create());
        }
        return ((Outcome.Applied) outcome).result();
    }

    /**
     * Applies {@code operation}, which must be refused with {@code code}. Asserts that the state is the very object
     * it was, that the invariants hold, and that the same operation under a request id is refused the same way (a
     * refusal is not recorded, so a retry is judged again). Returns the rejection for checks of its parameters.
     */
    Rejection reject(Operation operation, ErrorCode code) {
        PoolState before = state;
        Outcome outcome = applyRaw(PoolCommand.of(operation));
        Rejection rejection = assertInstanceOf(
                        Outcome.Rejected.class, outcome, operation.xeName() + " " + operation + " should be refused")
                .rejection();
        assertEquals(code, rejection.code(), () -> operation + " refused with " + rejection);
        assertSame(before, state, "a refused " + operation.xeName() + " changed the state");
        Outcome retried = applyRaw(new PoolCommand("retry-of-refused-" + logIndex, 0, 0, operation));
        assertEquals(new Outcome.Rejected(rejection), retried, "a refusal must be deterministic");
        assertSame(before, state, "a refused " + operation.xeName() + " with a request id changed the state");
        assertInvariants(operation.xeName());
        return rejection;
    }

    void assertInvariants(String after) {
        List<String> violations = Invariants.violations(state);
        assertTrue(violations.isEmpty(), () -> "invariants violated after " + after + ": " + violations);
    }

    // ------------------------------------------------------------------ hosts

    PoolFixture join(HostId host, long memoryTotal) {
        apply(TestJoinTokens.join(spec(host, memoryTotal, false)));
        return this;
    }

    /** Joins a witness host (votes, never runs VMs). */
    PoolFixture joinWitness(HostId host, long memoryTotal) {
        apply(TestJoinTokens.join(spec(host, memoryTotal, true)));
        return this;
    }

    PoolFixture setLive(HostId host, boolean live) {
        apply(new Operation.HostSetLive(host, live));
        return this;
    }

    PoolFixture disable(HostId host) {
        apply(new Operation.HostDisable(host));
        return this;
    }

    PoolFixture enable(HostId host) {
        apply(new Operation.HostEnable(host));
        return this;
    }

    // ------------------------------------------------------------------ storage

    /**
     * Creates an SR with a plugged PBD on each of {@code pluggedOn} (PBD ids {@code pbdId(k)}, k counting up per
     * fixture). A non-shared SR takes at most one host.
     */
    PoolFixture createSr(SrId sr, boolean shared, HostId... pluggedOn) {
        SortedMap<HostId, PbdId> pbds = new TreeMap<>();
        for (HostId host : pluggedOn) {
            pbds.put(host, pbdId(nextPbd++));
        }
        apply(new Operation.SrCreate(sr, "sr-" + sr, shared ? "nfs" : "lvm", shared, new TreeMap<>(), pbds));
        return this;
    }

    /** Adds an unplugged PBD of {@code sr} on {@code host}; returns its id. */
    PbdId addPbd(SrId sr, HostId host) {
        PbdId pbd = pbdId(nextPbd++);
        apply(new Operation.PbdCreate(pbd, sr, host, new TreeMap<>()));
        return pbd;
    }

    PoolFixture plug(SrId sr, HostId host) {
        apply(new Operation.PbdPlug(pbdOf(sr, host)));
        return this;
    }

    PoolFixture unplug(SrId sr, HostId host) {
        apply(new Operation.PbdUnplug(pbdOf(sr, host)));
        return this;
    }

    PoolFixture createVdi(VdiId vdi, SrId sr) {
        apply(new Operation.VdiCreate(vdi, sr, "vdi-" + vdi, GIB));
        return this;
    }

    /** Attaches {@code vdi} to {@code vm} at the next free device ({@code xvda}, {@code xvdb}, ...); returns the VBD. */
    VbdId attach(VmId vm, VdiId vdi) {
        VbdId vbd = vbdId(nextVbd++);
        long disks = state.vbdsOf(vm).count();
        apply(new Operation.VbdCreate(vbd, vm, vdi, "xvd" + (char) ('a' + disks)));
        return vbd;
    }

    // ------------------------------------------------------------------ VMs

    /** The vm-create operation with defaults: one vCPU, no affinity, no HA priority, order 0. */
    static Operation.VmCreate vmCreate(VmId vm, long memory) {
        return new Operation.VmCreate(vm, "vm-" + vm, memory, 1, Optional.empty(), HaRestartPriority.NONE, 0);
    }

    PoolFixture createVm(VmId vm, long memory) {
        apply(vmCreate(vm, memory));
        return this;
    }

    PoolFixture createVm(VmId vm, long memory, HaRestartPriority priority) {
        apply(new Operation.VmCreate(vm, "vm-" + vm, memory, 1, Optional.empty(), priority, 0));
        return this;
    }

    PoolFixture createVm(VmId vm, long memory, Optional<HostId> affinity) {
        apply(new Operation.VmCreate(vm, "vm-" + vm, memory, 1, affinity, HaRestartPriority.NONE, 0));
        return this;
    }

    /** Begins vm-start and returns the host it was placed on (the VM then has {@code start} in progress). */
    HostId beginStart(VmId vm, Optional<HostId> on) {
        return placed(apply(new Operation.VmStart(vm, on, false)));
    }

    /** Starts a Halted VM to completion (Running) on a host of the pool's choosing; returns that host. */
    HostId start(VmId vm) {
        HostId host = beginStart(vm, Optional.empty());
        complete(vm, VmOperation.START, true);
        return host;
    }

    /** Starts a Halted VM to completion (Running) on {@code host}. */
    PoolFixture startOn(VmId vm, HostId host) {
        beginStart(vm, Optional.of(host));
        complete(vm, VmOperation.START, true);
        return this;
    }

    /** Starts a Halted VM paused, to completion, on {@code host}. */
    PoolFixture startPausedOn(VmId vm, HostId host) {
        apply(new Operation.VmStart(vm, Optional.of(host), true));
        complete(vm, VmOperation.START_PAUSED, true);
        return this;
    }

    /** Suspends a Running VM to completion. */
    PoolFixture suspend(VmId vm) {
        apply(new Operation.VmSuspend(vm));
        complete(vm, VmOperation.SUSPEND, true);
        return this;
    }

    /** Shuts a Running VM down cleanly, to completion. */
    PoolFixture shutdown(VmId vm) {
        apply(new Operation.VmShutdown(vm, false));
        complete(vm, VmOperation.CLEAN_SHUTDOWN, true);
        return this;
    }

    /** Migrates a Running VM to {@code host}, to completion. */
    PoolFixture migrate(VmId vm, HostId host) {
        apply(new Operation.VmMigrate(vm, host));
        complete(vm, VmOperation.MIGRATE, true);
        return this;
    }

    /** Applies the host agent's answer for the operation in progress on {@code vm}. */
    PoolFixture complete(VmId vm, VmOperation operation, boolean succeeded) {
        apply(new Operation.VmCompleteOperation(vm, operation, succeeded));
        return this;
    }

    PoolFixture setParam(VmId vm, String key, String value) {
        apply(new Operation.VmParamSet(vm, key, value));
        return this;
    }

    /** The host a start, resume or migrate was placed on. */
    static HostId placed(Result result) {
        return assertInstanceOf(Result.Placed.class, result, "a placement result")
                .host();
    }
}
