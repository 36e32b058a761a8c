package io.poolkeeper.examples.bench;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Sr;
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
import io.poolkeeper.core.Transition;
import io.poolkeeper.core.ha.FailoverPlan;
import io.poolkeeper.core.ha.RestartPlan;
import io.poolkeeper.core.ha.RestartPlanner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The HA planner benchmark (issue 11): planning time on a 64-host pool with 10,000 VMs (about 70 % protected, every
 * disk on one shared SR plugged everywhere), single-threaded, in this JVM: the restart plan after one host failure, the
 * failover plan for ntol = 3 (xapi's approximation at 64 hosts), the bisection for the maximum, the status the master
 * records, and one vm-start through the apply path with overcommit protection on. A 16-host pool with 2,500 VMs shows
 * the exhaustive search at its bound (C(16,3)·3! = 3360 failure sequences).
 *
 * <p>{@code examples/run-benchmark.sh planner=<trials>}, or this class's main; prints a Markdown table.
 */
public final class HaPlanner {
    private static final long GIB = 1L << 30;

    private HaPlanner() {}

    public static void main(String[] args) {
        run(args.length > 0 ? Integer.parseInt(args[0]) : 10);
    }

    /** Runs every measurement {@code trials} times after a warm-up and prints min / median / max. */
    public static void run(int trials) {
        long seed = 11;
        PoolState big = pool(64, 10_000, 1024, seed, 3);
        PoolState exhaustive = pool(16, 2_500, 1024, seed, 3);
        HostId first = big.hosts().firstKey();
        PoolState failed = fail(big, first);
        VmId halted = big.vms().values().stream()
                .filter(vm -> vm.powerState() == PowerState.HALTED && !vm.isProtected())
                .findFirst()
                .orElseThrow()
                .uuid();
        System.out.printf(
                Locale.ROOT,
                "HA planner, %d trials; pool: %d hosts, %d VMs (%d protected), %d VBDs; Java %s, %d CPUs%n%n",
                trials,
                big.hosts().size(),
                big.vms().size(),
                big.vms().values().stream().filter(Vm::isProtected).count(),
                big.vbds().size(),
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        System.out.println("| measurement | result | min ms | median ms | max ms |");
        System.out.println("|---|---|---:|---:|---:|");
        measure("restart plan, host 1 failed (hypothetical)", trials, () -> {
            RestartPlan plan = RestartPlanner.plan(big, new TreeSet<>(List.of(first)), new TreeSet<>());
            return plan.placements().size() + " placed, " + plan.unplaced().size() + " unplaced";
        });
        measure("restart plan, host 1 dead (its VMs Halted)", trials, () -> {
            RestartPlan plan = RestartPlanner.plan(failed);
            return plan.placements().size() + " placed, " + plan.unplaced().size() + " unplaced";
        });
        measure("planExists, ntol = 3 (approximation)", trials, () -> String.valueOf(FailoverPlan.planExists(big, 3)));
        measure(
                "maxHostFailuresToTolerate (bisection)",
                trials,
                () -> String.valueOf(FailoverPlan.maxHostFailuresToTolerate(big)));
        measure("status for ntol = 3 (master, per change)", trials, () -> String.valueOf(FailoverPlan.status(big)));
        measure("vm-start through apply, overcommit protection on", trials, () -> {
            Outcome outcome = Transition.apply(
                    big, PoolCommand.of(new Operation.VmStart(halted, Optional.empty(), false)), new ApplyContext(1));
            return outcome instanceof Outcome.Applied ? "applied" : outcome.toString();
        });
        PoolState unguarded = big.withPool(
                big.requirePool().withHa(false, 3, false, big.requirePool().haTimeout()));
        measure("vm-start through apply, HA off (placement alone)", trials, () -> {
            Outcome outcome = Transition.apply(
                    unguarded,
                    PoolCommand.of(new Operation.VmStart(halted, Optional.empty(), false)),
                    new ApplyContext(1));
            return outcome instanceof Outcome.Applied ? "applied" : outcome.toString();
        });
        measure(
                "16 hosts, 2,500 VMs: planExists, r = 3 (exhaustive, 3360 sequences)",
                trials,
                () -> String.valueOf(FailoverPlan.planExists(exhaustive, 3)));
    }

    private static void measure(String name, int trials, Supplier<String> work) {
        String result = "";
        for (int i = 0; i < Math.max(3, trials / 2); i++) {
            result = work.get(); // warm-up: JIT
        }
        double[] ms = new double[trials];
        for (int i = 0; i < trials; i++) {
            long start = System.nanoTime();
            result = work.get();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf(
                Locale.ROOT,
                "| %s | %s | %.1f | %.1f | %.1f |%n",
                name,
                result,
                ms[0],
                ms[ms.length / 2],
                ms[ms.length - 1]);
    }

    /**
     * A pool of {@code hosts} hosts of {@code hostGib} GiB with {@code vms} VMs of 1–8 GiB: 70 % protected (order
     * 0–2), the rest unprotected; each has one disk on the shared SR. VMs run round-robin while they fit in 70 % of a
     * host; 1 % stay Halted. HA on, ntol {@code ntol}, overcommit not allowed.
     */
    static PoolState pool(int hosts, int vms, long hostGib, long seed, int ntol) {
        Random random = new Random(seed);
        Pool pool = Pool.created(new PoolId(new UUID(0, 1)), "bench", 5);
        PoolState state = PoolState.empty()
                .withPool(pool.withHa(true, ntol, false, pool.haTimeout()))
                .withSr(new Sr(new SrId(new UUID(3, 1)), "shared", "nfs", true));
        SrId sr = state.srs().firstKey();
        List<HostId> ids = new ArrayList<>();
        long[] used = new long[hosts];
        for (int h = 0; h < hosts; h++) {
            HostId id = new HostId(new UUID(1, h + 1));
            ids.add(id);
            state = state.withHost(new Host(id, "h" + h, "h" + h + ":1", true, true, hostGib * GIB, HostRole.VOTER))
                    .withPbd(new Pbd(new PbdId(new UUID(4, h + 1)), sr, id, new TreeMap<>(), true));
        }
        for (int v = 0; v < vms; v++) {
            VmId id = new VmId(new UUID(2, v + 1));
            long memory = (1 + random.nextInt(8)) * GIB;
            boolean protect = random.nextInt(10) < 7;
            int h = v % hosts;
            boolean runs = random.nextInt(100) != 0 && used[h] + memory <= hostGib * GIB * 7 / 10;
            if (runs) {
                used[h] += memory;
            }
            state = state.withVm(new Vm(
                            id,
                            "vm" + v,
                            runs ? PowerState.RUNNING : PowerState.HALTED,
                            runs ? Optional.of(ids.get(h)) : Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            memory,
                            1,
                            protect ? HaRestartPriority.RESTART : HaRestartPriority.NONE,
                            protect && runs,
                            random.nextInt(3),
                            Optional.empty()))
                    .withVdi(new Vdi(new VdiId(new UUID(5, v + 1)), sr, "disk" + v, 10 * GIB))
                    .withVbd(new Vbd(new VbdId(new UUID(6, v + 1)), id, new VdiId(new UUID(5, v + 1)), "xvda"));
        }
        return state;
    }

    /** {@code host} dead, as HA's verdict leaves it: not live, its VMs Halted. */
    private static PoolState fail(PoolState state, HostId host) {
        PoolState out = state.withHost(state.hosts().get(host).withLive(false));
        for (Vm vm : state.vms().values()) {
            if (vm.residentOn().equals(Optional.of(host))) {
                out = out.withVm(vm.settled(PowerState.HALTED, Optional.empty()));
            }
        }
        return out;
    }
}
