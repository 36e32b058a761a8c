package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.ObjectId;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.api.model.VmOperation;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A seeded generator of pool commands for property tests. Given the current state it produces mostly plausible
 * commands (operations on objects that exist, in a state where they may succeed), and a steady share of nonsense:
 * unknown ids, bad values, repeated request ids, stale expected generations, undecodable commands.
 *
 * <p>Deterministic: everything, ids included, is drawn from the {@link Random} it is given, so a seed reproduces
 * the sequence. Not thread-safe (it remembers the request ids it issued).
 */
final class RandomCommands {
    private static final long GIB = 1L << 30;
    private static final String[] SR_TYPES = {"nfs", "lvm", "ext", "iscsi", "smb"};
    private static final String[] NAME_CHARS = {"a", "b", "x", "Z", "0", "7", "-", "_", " ", "é", "ü", "日", "\u00a0"};

    private final Random rnd;
    private final List<String> requestIds = new ArrayList<>();
    /** Real time as the masters see it, and the current master's clock error: see {@link #stamp}. */
    private long clock = 1_700_000_000_000L;

    private long skew;

    private final List<Choice> choices = new ArrayList<>();
    private final int totalWeight;

    /**
     * One kind of operation, drawn with probability weight / total. When it is not {@code plausible} in the current
     * state (resume with no suspended VM) it is usually drawn again, so that most commands have a chance.
     */
    private record Choice(int weight, Predicate<PoolState> plausible, Function<PoolState, Operation> make) {}

    RandomCommands(Random rnd) {
        this.rnd = rnd;
        // pool
        add(5, s -> true, this::poolJoin);
        add(2, s -> s.hosts().size() > 1, s -> new Operation.PoolEject(host(s, h -> !s.isMaster(h.uuid()))));
        add(2, s -> s.hosts().size() > 1, s -> new Operation.PoolDesignateNewMaster(host(s, Host::live)));
        add(2, s -> true, s -> new Operation.PoolSetMaster(host(s, Host::live)));
        add(3, s -> true, this::poolParamSet);
        add(2, s -> !s.requirePool().haEnabled(), s -> new Operation.PoolHaEnable(haTimeout()));
        add(2, s -> s.requirePool().haEnabled(), s -> new Operation.PoolHaDisable());
        add(1, s -> false, s -> poolCreate());
        // hosts
        add(5, s -> true, this::hostSetLive);
        add(3, s -> anyHost(s, h -> isDeadSlave(s, h)), s -> new Operation.HostForget(host(s, h -> isDeadSlave(s, h))));
        add(
                3,
                s -> anyHost(s, h -> isDeadSlave(s, h)),
                s -> new Operation.HostDeclareDead(host(s, h -> isDeadSlave(s, h))));
        add(2, s -> anyHost(s, h -> !h.enabled()), s -> new Operation.HostEnable(host(s, h -> !h.enabled())));
        add(2, s -> true, s -> new Operation.HostDisable(host(s, Host::enabled)));
        add(
                3,
                s -> anyHost(s, h -> hasResidents(s, h)),
                s -> new Operation.HostEvacuate(host(s, h -> hasResidents(s, h))));
        // VMs
        add(7, s -> s.vms().size() < 12, this::vmCreate);
        add(
                2,
                s -> anyVm(s, v -> idleIn(v, PowerState.HALTED, PowerState.SUSPENDED)),
                s -> new Operation.VmDestroy(vm(s, v -> idleIn(v, PowerState.HALTED, PowerState.SUSPENDED))));
        add(3, s -> !s.vms().isEmpty(), this::vmParamSet);
        add(
                8,
                s -> anyVm(s, v -> idleIn(v, PowerState.HALTED)),
                s -> new Operation.VmStart(vm(s, v -> idleIn(v, PowerState.HALTED)), maybeHost(s), chance(0.15)));
        add(
                3,
                s -> anyVm(s, v -> idleIn(v, PowerState.RUNNING, PowerState.PAUSED)),
                s -> new Operation.VmShutdown(
                        vm(s, v -> idleIn(v, PowerState.RUNNING, PowerState.PAUSED)), chance(0.4)));
        add(
                2,
                s -> anyVm(s, v -> idleIn(v, PowerState.RUNNING, PowerState.PAUSED)),
                s -> new Operation.VmReboot(vm(s, v -> idleIn(v, PowerState.RUNNING, PowerState.PAUSED)), chance(0.4)));
        add(
                2,
                s -> anyVm(s, v -> idleIn(v, PowerState.RUNNING)),
                s -> new Operation.VmSuspend(vm(s, v -> idleIn(v, PowerState.RUNNING))));
        add(
                3,
                s -> anyVm(s, v -> idleIn(v, PowerState.SUSPENDED)),
                s -> new Operation.VmResume(vm(s, v -> idleIn(v, PowerState.SUSPENDED)), maybeHost(s)));
        add(
                2,
                s -> anyVm(s, v -> idleIn(v, PowerState.RUNNING)),
                s -> new Operation.VmPause(vm(s, v -> idleIn(v, PowerState.RUNNING))));
        add(
                2,
                s -> anyVm(s, v -> idleIn(v, PowerState.PAUSED)),
                s -> new Operation.VmUnpause(vm(s, v -> idleIn(v, PowerState.PAUSED))));
        add(
                3,
                s -> anyVm(s, v -> idleIn(v, PowerState.RUNNING)) && s.hosts().size() > 1,
                s -> new Operation.VmMigrate(vm(s, v -> idleIn(v, PowerState.RUNNING)), host(s, Host::live)));
        add(12, s -> anyVm(s, v -> v.currentOperation().isPresent()), this::vmComplete);
        add(
                3,
                s -> !s.vms().isEmpty(),
                s -> new Operation.VmResetPowerstate(vm(s, v -> onDeadHost(s, v)), chance(0.85)));
        // join tokens: a few ids, so that creates collide and revokes hit
        add(3, s -> s.joinTokens().size() < 4, this::joinTokenCreate);
        add(1, s -> !s.joinTokens().isEmpty(), this::joinTokenRevoke);
        // storage
        add(4, s -> s.srs().size() < 6, this::srCreate);
        add(1, s -> !s.srs().isEmpty(), s -> new Operation.SrForget(id(s.srs().keySet(), SrId::new)));
        add(2, s -> !s.srs().isEmpty(), this::pbdCreate);
        add(2, s -> !s.pbds().isEmpty(), s -> new Operation.PbdPlug(id(s.pbds().keySet(), PbdId::new)));
        add(
                2,
                s -> !s.pbds().isEmpty(),
                s -> new Operation.PbdUnplug(id(s.pbds().keySet(), PbdId::new)));
        add(4, s -> !s.srs().isEmpty(), this::vdiCreate);
        add(
                1,
                s -> !s.vdis().isEmpty(),
                s -> new Operation.VdiDestroy(id(s.vdis().keySet(), VdiId::new)));
        add(5, s -> !s.vdis().isEmpty() && anyVm(s, v -> idleIn(v, PowerState.HALTED)), this::vbdCreate);
        add(
                1,
                s -> !s.vbds().isEmpty(),
                s -> new Operation.VbdDestroy(id(s.vbds().keySet(), VbdId::new)));
        // nonsense
        add(
                1,
                s -> true,
                s -> new Operation.Invalid(
                        chance(0.5) ? ErrorCode.MALFORMED_COMMAND : ErrorCode.UNKNOWN_OPERATION, name()));
        add(1, s -> false, this::poolImport);
        this.totalWeight = choices.stream().mapToInt(Choice::weight).sum();
    }

    /** The next command for {@code state}: pool-create while there is no pool, else a weighted random operation. */
    PoolCommand next(PoolState state) {
        Operation operation = state.pool().isEmpty() ? poolCreate() : randomOperation(state);
        return new PoolCommand(requestId(), stamp(), expectedGeneration(state), operation);
    }

    /** A random UUID drawn from the generator's {@link Random}. */
    UUID uuid() {
        return new UUID(rnd.nextLong(), rnd.nextLong());
    }

    private void add(int weight, Predicate<PoolState> plausible, Function<PoolState, Operation> make) {
        choices.add(new Choice(weight, plausible, make));
    }

    private Operation randomOperation(PoolState state) {
        Choice choice = draw();
        for (int redraw = 0; redraw < 4 && !choice.plausible().test(state) && chance(0.9); redraw++) {
            choice = draw();
        }
        return choice.make().apply(state);
    }

    private Choice draw() {
        int draw = rnd.nextInt(totalWeight);
        for (Choice choice : choices) {
            draw -= choice.weight();
            if (draw < 0) {
                return choice;
            }
        }
        throw new AssertionError("weights");
    }

    // ---------------------------------------------------------------- envelope

    private String requestId() {
        int draw = rnd.nextInt(100);
        if (draw < 55) {
            return "";
        }
        if (draw < 80 || requestIds.isEmpty()) {
            String id = "req-" + Long.toHexString(rnd.nextLong());
            requestIds.add(id);
            return id;
        }
        return requestIds.get(rnd.nextInt(requestIds.size())); // a retry
    }

    /**
     * A master's stamp: time moves on by up to a second, sometimes by minutes (past the request window's horizon);
     * now and then a new master's clock is behind or ahead, and a few commands carry no stamp or an absurd one.
     */
    private long stamp() {
        clock += chance(0.05) ? rnd.nextInt(10 * 60_000) : rnd.nextInt(1_000);
        if (chance(0.05)) {
            skew = chance(0.5) ? 0 : rnd.nextInt(2 * 3_600_000) - 3_600_000L;
        }
        int draw = rnd.nextInt(1_000);
        if (draw < 30) {
            return 0;
        }
        if (draw < 32) {
            return rnd.nextLong() & Long.MAX_VALUE;
        }
        return clock + skew;
    }

    private long expectedGeneration(PoolState state) {
        int draw = rnd.nextInt(100);
        if (draw < 85 || state.pool().isEmpty()) {
            return 0;
        }
        long current = state.requirePool().generation();
        if (draw < 95) {
            return current;
        }
        return pick(current - 1, current + 1, 1L + rnd.nextInt(5), -1L);
    }

    // ---------------------------------------------------------------- pool

    private Operation poolCreate() {
        int maxVoters = chance(0.05) ? -1 - rnd.nextInt(3) : rnd.nextInt(6); // 0: the default
        return new Operation.PoolCreate(new PoolId(uuid()), name(), hostSpec(), maxVoters);
    }

    private Operation poolJoin(PoolState state) {
        if (chance(0.05) && !state.hosts().isEmpty()) {
            Host existing = anyOf(state.hosts().values());
            return new Operation.PoolJoin(
                    new Operation.HostSpec(existing.uuid(), name(), address(), memoryTotal(), rnd.nextBoolean()),
                    joinTokenId(state));
        }
        return new Operation.PoolJoin(hostSpec(), joinTokenId(state));
    }

    /** Mostly a token the pool has (live or expired); sometimes none or an unknown one. */
    private String joinTokenId(PoolState state) {
        int draw = rnd.nextInt(100);
        if (draw < 80 && !state.joinTokens().isEmpty()) {
            return anyOf(state.joinTokens().keySet());
        }
        return draw < 90 ? "" : tokenId();
    }

    private String tokenId() {
        return pick("0000000a", "0000000b", "0000000c", "0000000d", "0000000e", "NOT-HEX!");
    }

    private Operation joinTokenCreate(PoolState state) {
        long validity = chance(0.05)
                ? pick(0L, -1L, JoinTokenRules.MAX_VALIDITY_MILLIS + 1)
                : 1 + rnd.nextInt(chance(0.5) ? 5_000 : 3_600_000);
        String sha = chance(0.03) ? "short" : TestJoinTokens.SHA256;
        return new Operation.PoolJoinTokenCreate(tokenId(), sha, validity);
    }

    private Operation joinTokenRevoke(PoolState state) {
        boolean known = chance(0.9) && !state.joinTokens().isEmpty();
        return new Operation.PoolJoinTokenRevoke(
                known ? anyOf(state.joinTokens().keySet()) : tokenId());
    }

    private Operation.HostSpec hostSpec() {
        String address = chance(0.03) ? pick("", "   ") : address();
        long memory = chance(0.03) ? -1 - rnd.nextInt(100) : memoryTotal();
        return new Operation.HostSpec(new HostId(uuid()), name(), address, memory, chance(0.1));
    }

    private Operation poolParamSet(PoolState state) {
        int draw = rnd.nextInt(7);
        return switch (draw) {
            case 0 -> new Operation.PoolParamSet("name-label", name());
            case 1 -> new Operation.PoolParamSet(
                    "default-SR", idText(state.srs().keySet()));
            case 2 -> new Operation.PoolParamSet(
                    "ha-host-failures-to-tolerate", pick("0", "1", "2", "3", "-1", "x", "99", ""));
            case 3 -> new Operation.PoolParamSet("ha-allow-overcommit", pick("true", "false", "TRUE", "yes", ""));
            case 4 -> new Operation.PoolParamSet("ha-timeout", pick("30", "60", "1", "0", "-5", "86401", "1e3"));
            case 5 -> new Operation.PoolParamSet(pick("master", "generation", "uuid", "", "name_label"), name());
            default -> new Operation.PoolParamSet("name-label", "");
        };
    }

    private Operation poolImport(PoolState state) {
        // Only a member in no pool takes an import; in a running pool this is always refused.
        long generation = state.pool().map(p -> p.generation() + 1).orElse(2L);
        return new Operation.PoolImport(state, generation, host(state, h -> true));
    }

    // ---------------------------------------------------------------- hosts

    /** Mostly flips a host's liveness, so that hosts keep dying and coming back. */
    private Operation hostSetLive(PoolState state) {
        HostId id = host(state, h -> true);
        Host existing = state.hosts().get(id);
        boolean live = existing != null && chance(0.8) ? !existing.live() : rnd.nextBoolean();
        return new Operation.HostSetLive(id, live);
    }

    // ---------------------------------------------------------------- VMs

    private Operation vmCreate(PoolState state) {
        VmId vm = chance(0.03) && !state.vms().isEmpty() ? anyOf(state.vms().keySet()) : new VmId(uuid());
        long memory = chance(0.03) ? pick(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE / 2 + 1) : vmMemory();
        int vcpus = chance(0.03) ? -rnd.nextInt(2) : 1 + rnd.nextInt(8);
        Optional<HostId> affinity = chance(0.3) ? Optional.of(host(state, h -> true)) : Optional.empty();
        HaRestartPriority priority = HaRestartPriority.values()[rnd.nextInt(HaRestartPriority.values().length)];
        return new Operation.VmCreate(vm, name(), memory, vcpus, affinity, priority, rnd.nextInt(5) - 1);
    }

    private Operation vmParamSet(PoolState state) {
        VmId vm = vm(state, v -> true);
        return switch (rnd.nextInt(9)) {
            case 0 -> new Operation.VmParamSet(vm, "name-label", name());
            case 1 -> new Operation.VmParamSet(
                    vm, "affinity", chance(0.3) ? "" : idText(state.hosts().keySet()));
            case 2 -> new Operation.VmParamSet(
                    vm,
                    pick("memory", "memory-static-max"),
                    pick(String.valueOf(GIB), String.valueOf(64 * GIB), "0", "abc", "-1"));
            case 3 -> new Operation.VmParamSet(vm, pick("vcpus", "VCPUs-max"), pick("1", "4", "0", "2147483648", "x"));
            case 4 -> new Operation.VmParamSet(vm, "ha-restart-priority", pick("restart", "best-effort", "", "always"));
            case 5 -> new Operation.VmParamSet(vm, "ha-always-run", pick("true", "false", "True", "1"));
            case 6 -> new Operation.VmParamSet(vm, "order", pick("0", "3", "-2", "9223372036854775808", "one"));
            case 7 -> new Operation.VmParamSet(vm, pick("power-state", "resident-on", "uuid", ""), name());
            default -> new Operation.VmParamSet(
                    vm, "memory", String.valueOf(chance(0.05) ? Long.MAX_VALUE : vmMemory()));
        };
    }

    /** Mostly the answer to an operation that is in progress; sometimes one that is not. */
    private Operation vmComplete(PoolState state) {
        List<Vm> busy = state.vms().values().stream()
                .filter(v -> v.currentOperation().isPresent())
                .toList();
        if (!busy.isEmpty() && chance(0.85)) {
            Vm vm = busy.get(rnd.nextInt(busy.size()));
            return new Operation.VmCompleteOperation(
                    vm.uuid(), vm.currentOperation().get(), chance(0.75));
        }
        VmOperation operation = VmOperation.values()[rnd.nextInt(VmOperation.values().length)];
        return new Operation.VmCompleteOperation(vm(state, v -> true), operation, rnd.nextBoolean());
    }

    // ---------------------------------------------------------------- storage

    private Operation srCreate(PoolState state) {
        SrId sr = chance(0.03) && !state.srs().isEmpty() ? anyOf(state.srs().keySet()) : new SrId(uuid());
        boolean shared = chance(0.7);
        SortedMap<HostId, PbdId> pbds = new TreeMap<>();
        List<HostId> hosts = new ArrayList<>(state.hosts().keySet());
        int count = shared ? rnd.nextInt(hosts.size() + 1) : (chance(0.9) ? 1 : 2);
        for (int i = 0; i < count; i++) {
            pbds.put(
                    chance(0.95) && !hosts.isEmpty() ? hosts.get(rnd.nextInt(hosts.size())) : new HostId(uuid()),
                    chance(0.97) || state.pbds().isEmpty()
                            ? new PbdId(uuid())
                            : anyOf(state.pbds().keySet()));
        }
        String type = chance(0.03) ? pick("", " ") : pick(SR_TYPES);
        return new Operation.SrCreate(sr, name(), type, shared, deviceConfig(), pbds);
    }

    private Operation pbdCreate(PoolState state) {
        PbdId pbd = chance(0.03) && !state.pbds().isEmpty() ? anyOf(state.pbds().keySet()) : new PbdId(uuid());
        return new Operation.PbdCreate(
                pbd, id(state.srs().keySet(), SrId::new), host(state, h -> true), deviceConfig());
    }

    private Operation vdiCreate(PoolState state) {
        VdiId vdi = chance(0.03) && !state.vdis().isEmpty() ? anyOf(state.vdis().keySet()) : new VdiId(uuid());
        long size = chance(0.03) ? -1 - rnd.nextInt(10) : rnd.nextInt(100) * GIB;
        return new Operation.VdiCreate(vdi, id(state.srs().keySet(), SrId::new), name(), size);
    }

    private Operation vbdCreate(PoolState state) {
        VbdId vbd = chance(0.03) && !state.vbds().isEmpty() ? anyOf(state.vbds().keySet()) : new VbdId(uuid());
        String device = chance(0.05) ? pick("", "  ") : "xvd" + (char) ('a' + rnd.nextInt(4));
        return new Operation.VbdCreate(
                vbd,
                vm(state, v -> idleIn(v, PowerState.HALTED)),
                id(state.vdis().keySet(), VdiId::new),
                device);
    }

    private SortedMap<String, String> deviceConfig() {
        SortedMap<String, String> config = new TreeMap<>();
        int entries = rnd.nextInt(3);
        for (int i = 0; i < entries; i++) {
            config.put(pick("server", "serverpath", "device", "target", ""), name());
        }
        return config;
    }

    // ---------------------------------------------------------------- picking objects

    /** Mostly a host matching {@code preferred}, else any host, else an id no host has. */
    private HostId host(PoolState state, Predicate<Host> preferred) {
        List<HostId> matching = state.hosts().values().stream()
                .filter(preferred)
                .map(Host::uuid)
                .toList();
        return prefer(matching, state.hosts().keySet(), HostId::new);
    }

    /** Mostly a VM matching {@code preferred}, else any VM, else an id no VM has. */
    private VmId vm(PoolState state, Predicate<Vm> preferred) {
        List<VmId> matching =
                state.vms().values().stream().filter(preferred).map(Vm::uuid).toList();
        return prefer(matching, state.vms().keySet(), VmId::new);
    }

    private <I extends ObjectId> I prefer(List<I> matching, Collection<I> all, Function<UUID, I> make) {
        int draw = rnd.nextInt(100);
        if (draw < 70 && !matching.isEmpty()) {
            return matching.get(rnd.nextInt(matching.size()));
        }
        if (draw < 92 && !all.isEmpty()) {
            return anyOf(all);
        }
        return make.apply(uuid());
    }

    /** Mostly an existing id, sometimes an unknown one. */
    private <I extends ObjectId> I id(Collection<I> existing, Function<UUID, I> make) {
        return chance(0.9) && !existing.isEmpty() ? anyOf(existing) : make.apply(uuid());
    }

    /** {@code on=} for start and resume: mostly none, else a host (live or not, existing or not). */
    private Optional<HostId> maybeHost(PoolState state) {
        return chance(0.6) ? Optional.empty() : Optional.of(host(state, Host::live));
    }

    /** An id as xe would pass it: an existing one, an unknown one, upper case, or garbage. */
    private String idText(Collection<? extends ObjectId> existing) {
        int draw = rnd.nextInt(10);
        if (draw < 6 && !existing.isEmpty()) {
            return anyOf(existing).toString();
        }
        return switch (draw) {
            case 6 -> uuid().toString();
            case 7 -> uuid().toString().toUpperCase(Locale.ROOT);
            case 8 -> "";
            default -> pick("not-a-uuid", "1-2-3-4-5", "00000000-0000-0000-0000-00000000000g");
        };
    }

    private static boolean anyHost(PoolState state, Predicate<Host> test) {
        return state.hosts().values().stream().anyMatch(test);
    }

    private static boolean anyVm(PoolState state, Predicate<Vm> test) {
        return state.vms().values().stream().anyMatch(test);
    }

    private static boolean isDeadSlave(PoolState state, Host host) {
        return !host.live() && !state.isMaster(host.uuid());
    }

    private static boolean hasResidents(PoolState state, Host host) {
        return state.residentVms(host.uuid()).findAny().isPresent();
    }

    /** Whether nothing live may be running the VM: what vm-reset-powerstate asks. */
    private static boolean onDeadHost(PoolState state, Vm vm) {
        return vm.residentOn()
                .or(vm::scheduledToBeResidentOn)
                .map(id ->
                        state.hosts().containsKey(id) && !state.hosts().get(id).live())
                .orElse(false);
    }

    private static boolean idleIn(Vm vm, PowerState... states) {
        return vm.currentOperation().isEmpty() && List.of(states).contains(vm.powerState());
    }

    // ---------------------------------------------------------------- values

    private String name() {
        StringBuilder name = new StringBuilder();
        int length = rnd.nextInt(8);
        for (int i = 0; i < length; i++) {
            name.append(pick(NAME_CHARS));
        }
        return name.toString();
    }

    private String address() {
        return "10.0." + rnd.nextInt(256) + "." + rnd.nextInt(256) + ":" + (1024 + rnd.nextInt(60_000));
    }

    private long haTimeout() {
        return chance(0.1)
                ? pick(-1L - rnd.nextInt(1000), Long.MIN_VALUE, Long.MAX_VALUE)
                : pick(0L, 0L, 10_000L, 30_000L);
    }

    /** Bytes a VM needs: mostly a few GiB, sometimes more than any host has. */
    private long vmMemory() {
        return (1 + rnd.nextInt(16)) * GIB / 2;
    }

    /** A host's memory: mostly a few GiB; now and then all a long can hold, where sums of VM memory could overflow. */
    private long memoryTotal() {
        return chance(0.02) ? Long.MAX_VALUE : (2 + rnd.nextInt(15)) * GIB;
    }

    private boolean chance(double p) {
        return rnd.nextDouble() < p;
    }

    private <T> T anyOf(Collection<T> values) {
        int index = rnd.nextInt(values.size());
        for (T value : values) {
            if (index-- == 0) {
                return value;
            }
        }
        throw new AssertionError("empty");
    }

    @SafeVarargs
    private <T> T pick(T... values) {
        return values[rnd.nextInt(values.length)];
    }
}
