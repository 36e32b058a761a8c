package io.poolkeeper.cli;

import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.cli.XeCommand.Group;
import io.poolkeeper.cli.XeCommand.Param;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** VM commands: create, destroy, parameters and the power-state operations, including the seed's reset. */
final class VmCommands {
    private static final List<Param> VM = List.of(
            Param.optional("uuid", "UUID", "the VM"),
            Param.optional("vm", "VM", "the VM by name-label or uuid (instead of uuid=)"));
    private static final List<String> SETTABLE =
            List.of("name-label", "memory", "vcpus", "affinity", "ha-restart-priority", "ha-always-run", "order");

    private VmCommands() {}

    static List<XeCommand> commands() {
        return List.of(
                XeCommand.of(
                        "vm-create",
                        Group.VM,
                        "Create a halted VM; prints its uuid",
                        List.of(
                                Param.required("name-label", "NAME", "its name"),
                                Param.required("memory", "SIZE", "its memory (e.g. 2GiB, 512MiB, bytes)"),
                                Param.optional("vcpus", "N", "virtual CPUs (default 1)"),
                                Param.optional("uuid", "UUID", "its uuid (default: a new one)"),
                                Param.optional("affinity", "HOST", "the host it prefers to start on"),
                                Param.optional("ha-restart-priority", "PRIORITY", "restart, best-effort or empty"),
                                Param.optional("order", "N", "HA restart order group")),
                        VmCommands::create),
                XeCommand.of("vm-destroy", Group.VM, "Destroy a halted or suspended VM", VM, in -> {
                    in.pool().destroyVm(in.vm());
                    return Output.none();
                }),
                XeCommand.of(
                        "vm-param-set",
                        Group.VM,
                        "Set VM fields: " + String.join(", ", SETTABLE),
                        withVm(List.of(
                                Param.optional("name-label", "NAME", "its name"),
                                Param.optional("memory", "SIZE", "its memory (halted VMs only)"),
                                Param.optional("vcpus", "N", "virtual CPUs (halted VMs only)"),
                                Param.optional("affinity", "HOST", "preferred host (empty to clear)"),
                                Param.optional("ha-restart-priority", "PRIORITY", "restart, best-effort or empty"),
                                Param.optional("ha-always-run", "BOOL", "whether HA keeps it running"),
                                Param.optional("order", "N", "HA restart order group"))),
                        VmCommands::paramSet),
                XeCommand.of(
                        "vm-start",
                        Group.VM,
                        "Start a halted VM on a host the pool chooses (or on=); prints the host",
                        withVm(List.of(
                                Param.optional("on", "HOST", "the host to start it on (uuid or name-label)"),
                                Param.optional("paused", "BOOL", "start it paused"))),
                        in -> {
                            VmId vm = in.vm();
                            Optional<HostId> on = in.host("on");
                            boolean paused =
                                    in.parsedOpt("paused", Values::bool).orElse(false);
                            return Output.value(
                                    "resident-on",
                                    in.pool().startVm(vm, on, paused).toString());
                        }),
                XeCommand.forced(
                        "vm-shutdown", Group.VM, "Shut a VM down (--force: hard, without the guest)", VM, in -> {
                            in.pool().shutdownVm(in.vm(), in.force());
                            return Output.none();
                        }),
                XeCommand.forced("vm-reboot", Group.VM, "Reboot a VM (--force: hard)", VM, in -> {
                    in.pool().rebootVm(in.vm(), in.force());
                    return Output.none();
                }),
                XeCommand.of("vm-suspend", Group.VM, "Suspend a running VM to disk", VM, in -> {
                    in.pool().suspendVm(in.vm());
                    return Output.none();
                }),
                XeCommand.of(
                        "vm-resume",
                        Group.VM,
                        "Resume a suspended VM (on= a host); prints the host",
                        withVm(List.of(Param.optional("on", "HOST", "the host to resume it on"))),
                        in -> {
                            VmId vm = in.vm();
                            return Output.value(
                                    "resident-on",
                                    in.pool().resumeVm(vm, in.host("on")).toString());
                        }),
                XeCommand.of("vm-pause", Group.VM, "Pause a running VM", VM, in -> {
                    in.pool().pauseVm(in.vm());
                    return Output.none();
                }),
                XeCommand.of("vm-unpause", Group.VM, "Unpause a paused VM", VM, in -> {
                    in.pool().unpauseVm(in.vm());
                    return Output.none();
                }),
                XeCommand.of(
                        "vm-migrate",
                        Group.VM,
                        "Live-migrate a running VM to another host; prints the host",
                        withVm(List.of(
                                Param.optional("host-uuid", "UUID", "the destination host"),
                                Param.optional("host", "HOST", "the destination by name-label or uuid"))),
                        in -> {
                            VmId vm = in.vm();
                            HostId to = in.host("host-uuid")
                                    .or(() -> in.host("host"))
                                    .orElseThrow(() -> new UsageException("vm-migrate needs host-uuid= or host="));
                            return Output.value(
                                    "resident-on", in.pool().migrateVm(vm, to).toString());
                        }),
                XeCommand.forced(
                        "vm-reset-powerstate",
                        Group.VM,
                        "Mark a VM of a dead host halted, in the database only (needs --force)",
                        VM,
                        in -> {
                            in.pool().resetVmPowerState(in.vm(), in.force());
                            return Output.none();
                        }));
    }

    private static List<Param> withVm(List<Param> more) {
        List<Param> params = new ArrayList<>(VM);
        params.addAll(more);
        return params;
    }

    private static Output create(Invocation in) {
        VmSpec spec = new VmSpec(
                in.parsedOpt("uuid", VmId::of).orElseGet(VmId::random),
                in.req("name-label"),
                in.parsed("memory", Values::bytes),
                in.parsedOpt("vcpus", v -> Math.toIntExact(Values.number(v))).orElse(1),
                in.host("affinity"),
                in.parsedOpt("ha-restart-priority", HaRestartPriority::fromXapiName)
                        .orElse(HaRestartPriority.NONE),
                in.parsedOpt("order", Values::number).orElse(0L));
        return Output.value("uuid", in.pool().createVm(spec).toString());
    }

    private static Output paramSet(Invocation in) {
        VmId vm = in.vm();
        boolean any = false;
        for (Map.Entry<String, String> e : in.given().entrySet()) {
            if (!SETTABLE.contains(e.getKey())) {
                continue;
            }
            String value =
                    switch (e.getKey()) {
                        case "memory" -> String.valueOf(Invocation.parse("memory", e.getValue(), Values::bytes));
                        case "affinity" -> e.getValue().isEmpty()
                                ? ""
                                : in.host("affinity").orElseThrow().toString();
                        default -> e.getValue();
                    };
            in.pool().setVmParam(vm, e.getKey(), value);
            any = true;
        }
        if (!any) {
            throw new UsageException("vm-param-set needs at least one of " + String.join("=, ", SETTABLE) + "=");
        }
        return Output.none();
    }
}
