package io.poolkeeper.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Invariants;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Result;
import io.poolkeeper.core.TestJoinTokens;
import io.poolkeeper.core.Transition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Shared values for the codec tests: fixed ids, one or more sample commands per operation with non-trivial values,
 * and a populated pool built the way a real one is, by applying commands through {@link Transition#apply}.
 */
final class CodecSamples {
    static final long GIB = 1L << 30;

    static final PoolId POOL = PoolId.of("0a000000-0000-4000-8000-0000000000aa");
    static final HostId H1 = HostId.of("10000000-0000-4000-8000-000000000001");
    static final HostId H2 = HostId.of("10000000-0000-4000-8000-000000000002");
    static final HostId H3 = HostId.of("10000000-0000-4000-8000-000000000003");
    static final VmId VM1 = VmId.of("20000000-0000-4000-8000-000000000001");
    static final VmId VM2 = VmId.of("20000000-0000-4000-8000-000000000002");
    static final VmId VM3 = VmId.of("20000000-0000-4000-8000-000000000003");
    static final SrId SR1 = SrId.of("30000000-0000-4000-8000-000000000001");
    static final SrId SR2 = SrId.of("30000000-0000-4000-8000-000000000002");
    static final PbdId PBD1 = PbdId.of("31000000-0000-4000-8000-000000000001");
    static final PbdId PBD2 = PbdId.of("31000000-0000-4000-8000-000000000002");
    static final PbdId PBD3 = PbdId.of("31000000-0000-4000-8000-000000000003");
    static final VdiId VDI1 = VdiId.of("40000000-0000-4000-8000-000000000001");
    static final VdiId VDI2 = VdiId.of("40000000-0000-4000-8000-000000000002");
    static final VbdId VBD1 = VbdId.of("41000000-0000-4000-8000-000000000001");
    static final VbdId VBD2 = VbdId.of("41000000-0000-4000-8000-000000000002");

    private CodecSamples() {}

    static Operation.HostSpec spec(HostId host, int n, boolean witness) {
        return new Operation.HostSpec(host, "host-" + n, "10.0.0." + n + ":7000", 64 * GIB, witness);
    }

    static TreeMap<String, String> nfsConfig() {
        TreeMap<String, String> config = new TreeMap<>();
        config.put("server", "nfs.lab.example");
        config.put("serverpath", "/export/pool");
        config.put("options", "vers=4,soft");
        return config;
    }

    /** Every operation but {@link Operation.Invalid}, several with both shapes of their optional parts. */
    static List<Operation> operations() {
        TreeMap<HostId, PbdId> pbds = new TreeMap<>();
        pbds.put(H2, PBD2);
        pbds.put(H1, PBD1);
        pbds.put(H3, PBD3);
        List<Operation> ops = new ArrayList<>();
        ops.add(new Operation.PoolCreate(POOL, "lab pool", spec(H1, 1, false), 3));
        ops.add(new Operation.PoolCreate(POOL, "", spec(H1, 1, true), 0));
        ops.add(TestJoinTokens.join(spec(H2, 2, false)));
        ops.add(new Operation.PoolJoin(spec(H2, 2, false), ""));
        ops.add(new Operation.PoolJoinTokenCreate("0123abcd", TestJoinTokens.SHA256, 86_400_000));
        ops.add(new Operation.PoolJoinTokenRevoke("0123abcd"));
        ops.add(TestJoinTokens.join(new Operation.HostSpec(H3, "witness ü", "[::1]:7003", 0, true)));
        ops.add(new Operation.PoolEject(H2));
        ops.add(new Operation.PoolDesignateNewMaster(H3));
        ops.add(new Operation.PoolParamSet("default-SR", SR1.toString()));
        ops.add(new Operation.PoolParamSet("name-label", ""));
        ops.add(new Operation.PoolHaEnable(45_000));
        ops.add(new Operation.PoolHaEnable(0));
        ops.add(new Operation.PoolHaDisable());
        ops.add(new Operation.HostForget(H2));
        ops.add(new Operation.HostDeclareDead(H3));
        ops.add(new Operation.HostEnable(H1));
        ops.add(new Operation.HostDisable(H2));
        ops.add(new Operation.HostEvacuate(H3));
        ops.add(new Operation.VmCreate(VM1, "web", 4 * GIB, 2, Optional.of(H2), HaRestartPriority.RESTART, 1));
        ops.add(new Operation.VmCreate(VM2, "db", 8 * GIB, 4, Optional.empty(), HaRestartPriority.BEST_EFFORT, -7));
        ops.add(new Operation.VmCreate(
                VM3, "", Long.MAX_VALUE, Integer.MAX_VALUE, Optional.empty(), HaRestartPriority.NONE, Long.MIN_VALUE));
        ops.add(new Operation.VmDestroy(VM1));
        ops.add(new Operation.VmParamSet(VM2, "memory", "8589934592"));
        ops.add(new Operation.VmStart(VM1, Optional.of(H2), true));
        ops.add(new Operation.VmStart(VM1, Optional.empty(), false));
        ops.add(new Operation.VmShutdown(VM1, true));
        ops.add(new Operation.VmShutdown(VM2, false));
        ops.add(new Operation.VmReboot(VM1, true));
        ops.add(new Operation.VmReboot(VM1, false));
        ops.add(new Operation.VmSuspend(VM3));
        ops.add(new Operation.VmResume(VM3, Optional.of(H1)));
        ops.add(new Operation.VmResume(VM3, Optional.empty()));
        ops.add(new Operation.VmPause(VM1));
        ops.add(new Operation.VmUnpause(VM1));
        ops.add(new Operation.VmMigrate(VM1, H3));
        for (VmOperation operation : VmOperation.values()) {
            ops.add(new Operation.VmCompleteOperation(VM2, operation, operation.ordinal() % 2 == 0));
        }
        ops.add(new Operation.VmResetPowerstate(VM1, true));
        ops.add(new Operation.VmResetPowerstate(VM1, false));
        ops.add(new Operation.SrCreate(SR1, "shared nfs", "nfs", true, nfsConfig(), pbds));
        ops.add(new Operation.SrCreate(SR2, "local", "lvm", false, new TreeMap<>(), new TreeMap<>()));
        ops.add(new Operation.SrForget(SR2));
        ops.add(new Operation.PbdCreate(PBD3, SR1, H3, nfsConfig()));
        ops.add(new Operation.PbdCreate(PBD3, SR2, H1, new TreeMap<>()));
        ops.add(new Operation.PbdPlug(PBD1));
        ops.add(new Operation.PbdUnplug(PBD2));
        ops.add(new Operation.VdiCreate(VDI1, SR1, "root disk", 20 * GIB));
        ops.add(new Operation.VdiCreate(VDI2, SR2, "", -1));
        ops.add(new Operation.VdiDestroy(VDI2));
        ops.add(new Operation.VbdCreate(VBD1, VM1, VDI1, "xvda"));
        ops.add(new Operation.VbdDestroy(VBD1));
        ops.add(new Operation.PoolSetMaster(H2));
        ops.add(new Operation.PoolAlert(ErrorCode.DEFAULT_SR_INVALID, List.of("sr", "x")));
        ops.add(new Operation.HostSetLive(H3, false));
        ops.add(new Operation.HostSetLive(H3, true));
        ops.add(new Operation.HostFenced(H3));
        ops.add(new Operation.PoolSetHaPlan(2, true));
        ops.add(new Operation.PoolImport(populated().state(), 2, H1));
        ops.add(new Operation.PoolImport(PoolState.empty(), 7, H3));
        ops.add(new Operation.PoolImportBegin("import/2", 2, H1, 3, 17));
        ops.add(new Operation.PoolImportBegin("", 0, H3, 0, -1));
        // The chunk with the pool object and request window, and chunks of objects only.
        PoolState populated = populated().state();
        ops.add(new Operation.PoolImportChunk("import/2", 0, populated));
        ops.add(new Operation.PoolImportChunk(
                "import/2", 1, PoolState.empty().withVm(populated.vms().get(VM1))));
        ops.add(new Operation.PoolImportChunk("", -1, PoolState.empty()));
        ops.add(new Operation.PoolImportCommit("import/2"));
        ops.add(new Operation.PoolImportCommit(""));
        return ops;
    }

    /** The sample operations, each in a command with a non-trivial envelope. */
    static List<PoolCommand> commands() {
        List<PoolCommand> commands = new ArrayList<>();
        List<Operation> ops = operations();
        for (int i = 0; i < ops.size(); i++) {
            commands.add(new PoolCommand(i % 3 == 0 ? "" : "req-" + i, 1_700_000_000_000L + i, i % 4, ops.get(i)));
        }
        return commands;
    }

    /** A pool built by applying commands, and the log that built it. */
    record Built(PoolState state, List<PoolCommand> log) {}

    /**
     * A pool of three hosts (a witness among them) with shared and local storage, disks, VMs in every situation the
     * snapshot must carry (running after a completed start and a migration, an operation in progress, halted by a
     * host's death) and a request window holding every kind of result, including a retried request.
     */
    static Built populated() {
        Builder b = new Builder();
        b.apply("req-create", new Operation.PoolCreate(POOL, "lab pool", spec(H1, 1, false), 0));
        b.apply("", new Operation.PoolJoinTokenCreate(TestJoinTokens.ID, TestJoinTokens.SHA256, 3_600_000));
        b.apply("", new Operation.PoolJoinTokenCreate("0123abcd", TestJoinTokens.SHA256, 7_200_000));
        b.apply("req-join-2", TestJoinTokens.join(spec(H2, 2, false)));
        b.apply("req-join-3", TestJoinTokens.join(spec(H3, 3, true)));
        b.apply("", new Operation.PoolParamSet("ha-timeout", "45"));
        b.apply("", new Operation.PoolParamSet("ha-allow-overcommit", "true"));
        b.apply("", new Operation.PoolParamSet("ha-host-failures-to-tolerate", "1"));
        TreeMap<HostId, PbdId> shared = new TreeMap<>(Map.of(H1, PBD1, H2, PBD2));
        b.apply("req-sr1", new Operation.SrCreate(SR1, "shared nfs", "nfs", true, nfsConfig(), shared));
        b.apply(
                "",
                new Operation.SrCreate(
                        SR2,
                        "local",
                        "lvm",
                        false,
                        new TreeMap<>(Map.of("device", "/dev/sdb")),
                        new TreeMap<>(Map.of(H1, PBD3))));
        b.apply("", new Operation.PbdUnplug(PBD3));
        b.apply("", new Operation.PoolParamSet("default-SR", SR1.toString()));
        b.apply("", new Operation.VdiCreate(VDI1, SR1, "web root", 20 * GIB));
        b.apply("", new Operation.VdiCreate(VDI2, SR1, "db data", 100 * GIB));
        b.apply("", new Operation.VmCreate(VM1, "web", 4 * GIB, 2, Optional.of(H2), HaRestartPriority.RESTART, 1));
        b.apply("", new Operation.VmCreate(VM2, "db", 8 * GIB, 4, Optional.empty(), HaRestartPriority.BEST_EFFORT, 2));
        b.apply("", new Operation.VmCreate(VM3, "batch", 2 * GIB, 1, Optional.empty(), HaRestartPriority.NONE, 0));
        b.apply("", new Operation.VbdCreate(VBD1, VM1, VDI1, "xvda"));
        b.apply("", new Operation.VbdCreate(VBD2, VM2, VDI2, "xvdb"));
        Outcome started = b.apply("req-start-1", new Operation.VmStart(VM1, Optional.empty(), false));
        assertEquals(new Result.Placed(H2), ((Outcome.Applied) started).result(), "affinity places VM1 on H2");
        b.apply("", new Operation.VmCompleteOperation(VM1, VmOperation.START, true));
        b.retry("req-start-1", new Operation.VmStart(VM1, Optional.empty(), false));
        b.apply("req-start-2", new Operation.VmStart(VM2, Optional.of(H1), false));
        b.apply("req-evacuate", new Operation.HostEvacuate(H2));
        b.apply("", new Operation.VmCompleteOperation(VM1, VmOperation.MIGRATE, true));
        b.apply("", new Operation.VmStart(VM3, Optional.of(H2), false));
        b.apply("", new Operation.VmCompleteOperation(VM3, VmOperation.START, true));
        b.apply("", new Operation.HostSetLive(H2, false));
        Outcome dead = b.apply("req-dead-2", new Operation.HostDeclareDead(H2));
        assertEquals(new Result.VmsHalted(List.of(VM3)), ((Outcome.Applied) dead).result());
        PoolState state = b.state;
        assertEquals(HostRole.WITNESS, state.hosts().get(H3).role());
        assertEquals(Optional.of(VmOperation.START), state.vms().get(VM2).currentOperation());
        assertEquals(Optional.of(H1), state.vms().get(VM1).residentOn());
        return new Built(state, List.copyOf(b.log));
    }

    /** Applies commands in log order, asserting each is applied and leaves the invariants intact. */
    static final class Builder {
        private PoolState state = PoolState.empty();
        private final List<PoolCommand> log = new ArrayList<>();

        Outcome apply(String requestId, Operation operation) {
            PoolCommand command = new PoolCommand(requestId, 1_700_000_000_000L + log.size(), 0, operation);
            log.add(command);
            Outcome outcome = Transition.apply(state, command, new ApplyContext(log.size()));
            Outcome.Applied applied = assertInstanceOf(Outcome.Applied.class, outcome, operation::toString);
            assertEquals(List.of(), Invariants.violations(applied.next()), operation::toString);
            state = applied.next();
            return outcome;
        }

        /** A retried request: applied again in the log, deduplicated by the rules, the state unchanged. */
        void retry(String requestId, Operation operation) {
            PoolState before = state;
            Outcome outcome = apply(requestId, operation);
            assertEquals(before, ((Outcome.Applied) outcome).next(), "a retried request changes nothing");
        }
    }
}
