package io.poolkeeper.cli;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.cli.XeCommand.Group;
import io.poolkeeper.cli.XeCommand.Param;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Host commands: the slave-failure procedure of seed 2.6.1, enable/disable/evacuate, and a member's role. */
final class HostCommands {
    private static final List<Param> HOST = List.of(
            Param.optional("uuid", "UUID", "the host"),
            Param.optional("host", "HOST", "the host by name-label or uuid (instead of uuid=)"));
    private static final List<Param> ADDRESS =
            List.of(Param.optional("address", "HOST:PORT", "the member to ask (default: the first -s address)"));

    private HostCommands() {}

    static List<XeCommand> commands() {
        return List.of(
                XeCommand.of(
                        "host-forget",
                        Group.HOST,
                        "Forget a dead host: its VMs are halted (restartable elsewhere); prints them",
                        HOST,
                        in -> Output.value("halted-VMs", ids(in.pool().forgetHost(in.host())))),
                XeCommand.of(
                        "host-declare-dead",
                        Group.HOST,
                        "Declare a dead host dead: its VMs are halted, it is disabled and kept; prints the VMs",
                        HOST,
                        in -> Output.value("halted-VMs", ids(in.pool().declareHostDead(in.host())))),
                XeCommand.of("host-enable", Group.HOST, "Allow new VMs on a host", HOST, in -> {
                    in.pool().enableHost(in.host());
                    return Output.none();
                }),
                XeCommand.of("host-disable", Group.HOST, "Allow no new VMs on a host", HOST, in -> {
                    in.pool().disableHost(in.host());
                    return Output.none();
                }),
                XeCommand.of(
                        "host-evacuate",
                        Group.HOST,
                        "Migrate every VM off a host (or none if one has no place); prints where each went",
                        HOST,
                        in -> {
                            Map<String, String> moved = new TreeMap<>();
                            for (Map.Entry<VmId, HostId> e :
                                    in.pool().evacuateHost(in.host()).entrySet()) {
                                moved.put(e.getKey().toString(), e.getValue().toString());
                            }
                            return Output.value("migrated", moved);
                        }),
                XeCommand.of(
                        "host-is-in-emergency-mode",
                        Group.HOST,
                        "Whether a member is in emergency mode: true or false",
                        ADDRESS,
                        in -> Output.value(
                                "in-emergency-mode", String.valueOf(in.client().isInEmergencyMode(address(in))))),
                XeCommand.of(
                        "host-get-role",
                        Group.HOST,
                        "A member's role: MASTER, SLAVE, NO_MASTER, EMERGENCY, FENCED or STANDALONE",
                        ADDRESS,
                        in -> Output.value(
                                "role", in.client().roleOf(address(in)).name())));
    }

    private static String address(Invocation in) {
        return in.opt("address").orElse(in.session().target());
    }

    static List<String> ids(List<?> ids) {
        return ids.stream().map(Object::toString).toList();
    }
}
