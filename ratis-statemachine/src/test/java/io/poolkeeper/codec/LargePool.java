package io.poolkeeper.codec;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.ApplyContext;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.TestJoinTokens;
import io.poolkeeper.core.Transition;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A pool at scale: 64 hosts (5 voters) and four shared SRs plugged on every host, made by applying commands, and
 * per VM a disk (VDI and VBD) and a name label like an operator's; every fourth VM running.
 */
final class LargePool {
    static final int HOSTS = 64;
    static final int SRS = 4;
    private static final String[] TIERS = {"web-frontend", "api-gateway", "postgres-replica", "batch-worker"};

    private PoolState state = PoolState.empty();
    private long index;

    private LargePool() {}

    static PoolState build(int vms) {
        LargePool b = new LargePool();
        PoolId pool = PoolId.of("0a000000-0000-4000-8000-0000000000bb");
        b.apply("req-create", new Operation.PoolCreate(pool, "datacenter pool", spec(0), 5));
        b.apply("", new Operation.PoolJoinTokenCreate(TestJoinTokens.ID, TestJoinTokens.SHA256, 3_600_000));
        for (int h = 1; h < HOSTS; h++) {
            b.apply("req-join-" + h, TestJoinTokens.join(spec(h)));
        }
        TreeMap<String, String> config = new TreeMap<>();
        config.put("server", "filer.storage.example");
        config.put("serverpath", "/export/pool");
        for (int s = 0; s < SRS; s++) {
            TreeMap<HostId, PbdId> pbds = new TreeMap<>();
            for (int h = 0; h < HOSTS; h++) {
                pbds.put(host(h), PbdId.of(id(0x31000000 + s, h)));
            }
            b.apply("", new Operation.SrCreate(sr(s), "shared nfs " + s, "nfs", true, config, pbds));
        }
        // Objects beyond the hosts and SRs are put in directly: some rules scan every VM or VBD (free memory, device
        // names), so applying 50,000 creations would take minutes; the records are the ones the rules make.
        PoolState state = b.state;
        for (int v = 0; v < vms; v++) {
            VmId vm = VmId.of(id(0x20000000, v));
            VdiId vdi = VdiId.of(id(0x40000000, v));
            String name = TIERS[v % TIERS.length] + "-" + String.format("%05d", v) + ".prod.eu-west";
            Optional<HostId> affinity = v % 3 == 0 ? Optional.of(host(v % HOSTS)) : Optional.empty();
            Vm created = new Vm(
                    vm,
                    name,
                    PowerState.HALTED,
                    Optional.empty(),
                    Optional.empty(),
                    affinity,
                    2L << 30,
                    2,
                    HaRestartPriority.BEST_EFFORT,
                    false,
                    v % 7,
                    Optional.empty());
            state = state.withVdi(new Vdi(vdi, sr(v % SRS), name + " root disk", 40L << 30))
                    .withVm(v % 4 == 0 ? created.settled(PowerState.RUNNING, Optional.of(host(v % HOSTS))) : created)
                    .withVbd(new Vbd(VbdId.of(id(0x41000000, v)), vm, vdi, "xvda"));
        }
        b.state = state;
        return b.state;
    }

    static HostId host(int h) {
        return HostId.of(id(0x10000000, h));
    }

    private static SrId sr(int s) {
        return SrId.of(id(0x30000000, s));
    }

    private static Operation.HostSpec spec(int h) {
        return new Operation.HostSpec(
                host(h),
                "xs-rack" + h / 16 + "-host" + h,
                "10.0." + h / 200 + "." + h % 200 + ":7000",
                1L << 40,
                false);
    }

    private static String id(int high, long low) {
        return String.format("%08x-0000-4000-8000-%012x", high, low);
    }

    private void apply(String requestId, Operation operation) {
        index++;
        PoolCommand command = new PoolCommand(requestId, 1_700_000_000_000L + index, 0, operation);
        Outcome outcome = Transition.apply(state, command, new ApplyContext(index));
        state = assertInstanceOf(Outcome.Applied.class, outcome, operation::toString)
                .next();
    }
}
