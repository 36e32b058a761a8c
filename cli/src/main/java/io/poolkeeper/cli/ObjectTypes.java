package io.poolkeeper.cli;

import static io.poolkeeper.cli.ObjectType.mro;
import static io.poolkeeper.cli.ObjectType.ref;
import static io.poolkeeper.cli.ObjectType.ro;
import static io.poolkeeper.cli.ObjectType.rw;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.Sr;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.Vm;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;

/** The classes of pool objects the CLI lists and their fields, named as xe names them. */
final class ObjectTypes {
    static final ObjectType<Pool> POOL = new ObjectType<>(
            "pool",
            "pool",
            v -> v.pool().map(List::of).orElse(List.of()),
            p -> p.uuid().toString(),
            List.of(
                    ro("uuid", (v, p) -> p.uuid().toString()),
                    rw("name-label", (v, p) -> p.nameLabel()),
                    ro("master", (v, p) -> ref(p.master())),
                    rw("default-SR", (v, p) -> ref(p.defaultSr())),
                    ro("generation", (v, p) -> String.valueOf(p.generation())),
                    ro("ha-enabled", (v, p) -> String.valueOf(p.haEnabled())),
                    rw("ha-host-failures-to-tolerate", (v, p) -> String.valueOf(p.haHostFailuresToTolerate())),
                    ro("ha-plan-exists-for", (v, p) -> String.valueOf(p.haPlanExistsFor())),
                    ro("ha-overcommitted", (v, p) -> String.valueOf(p.haOvercommitted())),
                    rw("ha-allow-overcommit", (v, p) -> String.valueOf(p.haAllowOvercommit())),
                    rw("ha-timeout", (v, p) -> seconds(p.haTimeout())),
                    ro("max-voters", (v, p) -> String.valueOf(p.maxVoters())),
                    mro("alerts", (v, p) -> v.alerts().stream().map(Enum::name).toList())),
            List.of("uuid", "name-label", "master", "default-SR"));

    static final ObjectType<Host> HOST = new ObjectType<>(
            "host",
            "host",
            v -> v.hosts().values(),
            h -> h.uuid().toString(),
            List.of(
                    ro("uuid", (v, h) -> h.uuid().toString()),
                    ro("name-label", (v, h) -> h.nameLabel()),
                    ro("address", (v, h) -> h.address()),
                    ro("enabled", (v, h) -> String.valueOf(h.enabled())),
                    ro("live", (v, h) -> String.valueOf(h.live())),
                    ro(
                            "ha-enabled",
                            (v, h) ->
                                    String.valueOf(v.pool().map(Pool::haEnabled).orElse(false))),
                    ro("role", (v, h) -> h.role().name().toLowerCase(Locale.ROOT)),
                    ro("memory-total", (v, h) -> String.valueOf(h.memoryTotal())),
                    ro("memory-free", (v, h) -> String.valueOf(h.memoryTotal() - usedMemory(v, h.uuid()))),
                    mro("resident-VMs", (v, h) -> v.vms().values().stream()
                            .filter(vm -> vm.residentOn().equals(Optional.of(h.uuid())))
                            .map(vm -> vm.uuid().toString())
                            .toList()),
                    mro("PBDs", (v, h) -> v.pbds().values().stream()
                            .filter(p -> p.host().equals(h.uuid()))
                            .map(p -> p.uuid().toString())
                            .toList())),
            List.of("uuid", "name-label", "address", "live"),
            List.of(new ObjectType.Probe<>("member-role", ObjectTypes::memberRole)));

    static final ObjectType<Vm> VM = new ObjectType<>(
            "vm",
            "VM",
            v -> v.vms().values(),
            vm -> vm.uuid().toString(),
            List.of(
                    ro("uuid", (v, vm) -> vm.uuid().toString()),
                    rw("name-label", (v, vm) -> vm.nameLabel()),
                    ro("power-state", (v, vm) -> vm.powerState().xapiName().toLowerCase(Locale.ROOT)),
                    ro("resident-on", (v, vm) -> ref(vm.residentOn())),
                    ro("scheduled-to-be-resident-on", (v, vm) -> ref(vm.scheduledToBeResidentOn())),
                    rw("affinity", (v, vm) -> ref(vm.affinity())),
                    rw("memory", (v, vm) -> String.valueOf(vm.memory())),
                    rw("vcpus", (v, vm) -> String.valueOf(vm.vcpus())),
                    rw("ha-restart-priority", (v, vm) -> vm.haRestartPriority().xapiName()),
                    rw("ha-always-run", (v, vm) -> String.valueOf(vm.haAlwaysRun())),
                    rw("order", (v, vm) -> String.valueOf(vm.order())),
                    mro("current-operations", (v, vm) -> vm.currentOperation()
                            .map(op -> List.of(op.xapiName()))
                            .orElse(List.of())),
                    mro("VBDs", (v, vm) -> v.vbds().values().stream()
                            .filter(b -> b.vm().equals(vm.uuid()))
                            .map(b -> b.uuid().toString())
                            .toList())),
            List.of("uuid", "name-label", "power-state"));

    static final ObjectType<Sr> SR = new ObjectType<>(
            "sr",
            "SR",
            v -> v.srs().values(),
            s -> s.uuid().toString(),
            List.of(
                    ro("uuid", (v, s) -> s.uuid().toString()),
                    ro("name-label", (v, s) -> s.nameLabel()),
                    ro("type", (v, s) -> s.type()),
                    ro("shared", (v, s) -> String.valueOf(s.shared())),
                    mro("PBDs", (v, s) -> v.pbds().values().stream()
                            .filter(p -> p.sr().equals(s.uuid()))
                            .map(p -> p.uuid().toString())
                            .toList()),
                    mro("VDIs", (v, s) -> v.vdis().values().stream()
                            .filter(d -> d.sr().equals(s.uuid()))
                            .map(d -> d.uuid().toString())
                            .toList())),
            List.of("uuid", "name-label", "type", "shared"));

    static final ObjectType<Pbd> PBD = new ObjectType<>(
            "pbd",
            "PBD",
            v -> v.pbds().values(),
            p -> p.uuid().toString(),
            List.of(
                    ro("uuid", (v, p) -> p.uuid().toString()),
                    ro("host-uuid", (v, p) -> p.host().toString()),
                    ro("sr-uuid", (v, p) -> p.sr().toString()),
                    mro("device-config", (v, p) -> new TreeMap<>(p.deviceConfig())),
                    ro("currently-attached", (v, p) -> String.valueOf(p.currentlyAttached()))),
            List.of("uuid", "host-uuid", "sr-uuid", "device-config", "currently-attached"));

    static final ObjectType<Vdi> VDI = new ObjectType<>(
            "vdi",
            "VDI",
            v -> v.vdis().values(),
            d -> d.uuid().toString(),
            List.of(
                    ro("uuid", (v, d) -> d.uuid().toString()),
                    ro("name-label", (v, d) -> d.nameLabel()),
                    ro("sr-uuid", (v, d) -> d.sr().toString()),
                    ro("virtual-size", (v, d) -> String.valueOf(d.virtualSize())),
                    mro("VBDs", (v, d) -> v.vbds().values().stream()
                            .filter(b -> b.vdi().equals(d.uuid()))
                            .map(b -> b.uuid().toString())
                            .toList())),
            List.of("uuid", "name-label", "sr-uuid", "virtual-size"));

    static final ObjectType<Vbd> VBD = new ObjectType<>(
            "vbd",
            "VBD",
            v -> v.vbds().values(),
            b -> b.uuid().toString(),
            List.of(
                    ro("uuid", (v, b) -> b.uuid().toString()),
                    ro("vm-uuid", (v, b) -> b.vm().toString()),
                    ro(
                            "vm-name-label",
                            (v, b) -> v.vm(b.vm()).map(Vm::nameLabel).orElse(null)),
                    ro("vdi-uuid", (v, b) -> b.vdi().toString()),
                    ro("device", (v, b) -> b.device())),
            List.of("uuid", "vm-uuid", "vm-name-label", "vdi-uuid", "device"));

    static final List<ObjectType<?>> ALL = List.of(POOL, HOST, VM, SR, PBD, VDI, VBD);

    private ObjectTypes() {}

    /** xe's seconds, with a fraction only when there is one: an ha-timeout of 500ms shows as 0.5, not 0. */
    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0
                ? String.valueOf(d.toSeconds())
                : BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
    }

    /**
     * The role the host's member reports of itself (MASTER, SLAVE, NO_MASTER, EMERGENCY, FENCED, STANDALONE), asked at
     * the address the pool records; {@code <unreachable>} when it does not answer, the code when it refuses (a member
     * of another pool at that address: {@code <POOL_MISMATCH>}).
     */
    static Object memberRole(Invocation in, Host host) {
        try {
            return in.client().roleOf(host.address()).name();
        } catch (PoolException e) {
            return e.code().kind() == ErrorCode.Kind.REJECTED ? "<" + e.code().name() + ">" : "<unreachable>";
        }
    }

    /** Memory held on a host: VMs resident there and VMs an operation in progress is moving there. */
    static long usedMemory(PoolView view, HostId host) {
        return view.vms().values().stream()
                .filter(vm -> vm.residentOn().equals(Optional.of(host))
                        || vm.scheduledToBeResidentOn().equals(Optional.of(host)))
                .mapToLong(Vm::memory)
                .sum();
    }
}
