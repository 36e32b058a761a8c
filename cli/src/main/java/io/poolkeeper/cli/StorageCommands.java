package io.poolkeeper.cli;

import io.poolkeeper.api.SrSpec;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.cli.XeCommand.Group;
import io.poolkeeper.cli.XeCommand.Param;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/** Storage commands: SRs, PBDs (an SR on a host), VDIs (disks) and VBDs (a disk in a VM). */
final class StorageCommands {
    private static final List<Param> UUID = List.of(Param.required("uuid", "UUID", "the object"));

    private StorageCommands() {}

    static List<XeCommand> commands() {
        return List.of(
                XeCommand.of(
                        "sr-create",
                        Group.STORAGE,
                        "Create an SR with a plugged PBD on every host (shared) or on host-uuid; prints its uuid",
                        List.of(
                                Param.required("name-label", "NAME", "its name"),
                                Param.required("type", "TYPE", "the driver type (nfs, lvm, ...)"),
                                Param.optional("shared", "BOOL", "whether every host attaches it (default false)"),
                                Param.optional(
                                        "host-uuid", "HOST", "the host to attach it to (required unless shared)"),
                                Param.optional("uuid", "UUID", "its uuid (default: a new one)"),
                                Param.map("device-config", "driver configuration, as device-config:KEY=VALUE")),
                        StorageCommands::createSr),
                XeCommand.of("sr-forget", Group.STORAGE, "Forget an SR that no host attaches", UUID, in -> {
                    in.pool().forgetSr(in.parsed("uuid", SrId::of));
                    return Output.none();
                }),
                XeCommand.of(
                        "pbd-create",
                        Group.STORAGE,
                        "Attach an SR to one more host (unplugged); prints the PBD's uuid",
                        List.of(
                                Param.required("sr-uuid", "UUID", "the SR"),
                                Param.required("host-uuid", "HOST", "the host (uuid or name-label)"),
                                Param.optional("uuid", "UUID", "its uuid (default: a new one)"),
                                Param.map("device-config", "driver configuration, as device-config:KEY=VALUE")),
                        in -> Output.value(
                                "uuid",
                                in.pool()
                                        .createPbd(
                                                in.parsedOpt("uuid", PbdId::of).orElseGet(PbdId::random),
                                                in.parsed("sr-uuid", SrId::of),
                                                in.host("host-uuid").orElseThrow(),
                                                in.map("device-config"))
                                        .toString())),
                XeCommand.of("pbd-plug", Group.STORAGE, "Plug a PBD: the SR becomes usable on its host", UUID, in -> {
                    in.pool().plugPbd(in.parsed("uuid", PbdId::of));
                    return Output.none();
                }),
                XeCommand.of(
                        "pbd-unplug",
                        Group.STORAGE,
                        "Unplug a PBD (refused while a running VM on that host uses the SR)",
                        UUID,
                        in -> {
                            in.pool().unplugPbd(in.parsed("uuid", PbdId::of));
                            return Output.none();
                        }),
                XeCommand.of(
                        "vdi-create",
                        Group.STORAGE,
                        "Create a disk in an SR; prints its uuid",
                        List.of(
                                Param.required("sr-uuid", "UUID", "the SR"),
                                Param.required("name-label", "NAME", "its name"),
                                Param.required("virtual-size", "SIZE", "its size (e.g. 20GiB)"),
                                Param.optional("uuid", "UUID", "its uuid (default: a new one)")),
                        in -> Output.value(
                                "uuid",
                                in.pool()
                                        .createVdi(
                                                in.parsedOpt("uuid", VdiId::of).orElseGet(VdiId::random),
                                                in.parsed("sr-uuid", SrId::of),
                                                in.req("name-label"),
                                                in.parsed("virtual-size", Values::bytes))
                                        .toString())),
                XeCommand.of("vdi-destroy", Group.STORAGE, "Destroy a disk no VM uses", UUID, in -> {
                    in.pool().destroyVdi(in.parsed("uuid", VdiId::of));
                    return Output.none();
                }),
                XeCommand.of(
                        "vbd-create",
                        Group.STORAGE,
                        "Attach a disk to a VM; prints the VBD's uuid",
                        List.of(
                                Param.optional("vm-uuid", "UUID", "the VM"),
                                Param.optional("vm", "VM", "the VM by name-label or uuid (instead of vm-uuid=)"),
                                Param.required("vdi-uuid", "UUID", "the disk"),
                                Param.required("device", "DEVICE", "the device in the guest (xvda, 0, ...)"),
                                Param.optional("uuid", "UUID", "its uuid (default: a new one)")),
                        in -> Output.value(
                                "uuid",
                                in.pool()
                                        .createVbd(
                                                in.parsedOpt("uuid", VbdId::of).orElseGet(VbdId::random),
                                                in.vm("vm-uuid", "vm"),
                                                in.parsed("vdi-uuid", VdiId::of),
                                                in.req("device"))
                                        .toString())),
                XeCommand.of("vbd-destroy", Group.STORAGE, "Detach a disk from a halted VM", UUID, in -> {
                    in.pool().destroyVbd(in.parsed("uuid", VbdId::of));
                    return Output.none();
                }));
    }

    private static Output createSr(Invocation in) {
        boolean shared = in.parsedOpt("shared", Values::bool).orElse(false);
        Optional<HostId> on = in.host("host-uuid");
        if (!shared && on.isEmpty()) {
            throw new UsageException("sr-create needs host-uuid= for an SR that is not shared=true");
        }
        List<HostId> hosts = on.map(List::of).orElseGet(() -> in.view().hosts().values().stream()
                .filter(h -> h.role().runsVms())
                .map(Host::uuid)
                .toList());
        TreeMap<HostId, PbdId> pbds = new TreeMap<>();
        hosts.forEach(h -> pbds.put(h, PbdId.random()));
        SrSpec spec = new SrSpec(
                in.parsedOpt("uuid", SrId::of).orElseGet(SrId::random),
                in.req("name-label"),
                in.req("type"),
                shared,
                in.map("device-config"),
                pbds);
        return Output.value("uuid", in.pool().createSr(spec).toString());
    }
}
