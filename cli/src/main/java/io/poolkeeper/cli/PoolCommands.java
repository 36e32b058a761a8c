package io.poolkeeper.cli;

import io.poolkeeper.api.JoinToken;
import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.cli.XeCommand.Group;
import io.poolkeeper.cli.XeCommand.Param;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** The pool's commands: parameters, master changes, HA, and the emergency procedure of seed 2.6.2. */
final class PoolCommands {
    private static final List<String> SETTABLE =
            List.of("name-label", "default-SR", "ha-host-failures-to-tolerate", "ha-allow-overcommit", "ha-timeout");

    private static final String DEFAULT_TOKEN_VALIDITY = "24h";

    private PoolCommands() {}

    static List<XeCommand> commands() {
        return List.of(
                XeCommand.of(
                        "pool-param-set",
                        Group.POOL,
                        "Set pool fields: name-label, default-SR, ha-host-failures-to-tolerate, ha-allow-overcommit,"
                                + " ha-timeout",
                        List.of(
                                Param.optional("uuid", "UUID", "the pool (there is one)"),
                                Param.optional("name-label", "NAME", "the pool's name"),
                                Param.optional("default-SR", "UUID", "the default SR (empty to clear)"),
                                Param.optional("ha-host-failures-to-tolerate", "N", "host failures HA plans for"),
                                Param.optional(
                                        "ha-allow-overcommit", "BOOL", "whether operations may break the HA plan"),
                                Param.optional("ha-timeout", "DURATION", "HA's timeout T (e.g. 30s)")),
                        PoolCommands::paramSet),
                XeCommand.of(
                        "pool-designate-new-master",
                        Group.POOL,
                        "Planned master change; returns once the host is master",
                        List.of(Param.required("host-uuid", "HOST", "the new master (uuid or name-label)")),
                        in -> {
                            in.pool().designateNewMaster(in.host("host-uuid").orElseThrow());
                            return Output.none();
                        }),
                XeCommand.of(
                        "pool-eject",
                        Group.POOL,
                        "Remove a host from the pool; its member wipes its copy",
                        List.of(Param.required("host-uuid", "HOST", "the host (uuid or name-label)")),
                        in -> {
                            in.pool().eject(in.host("host-uuid").orElseThrow());
                            return Output.none();
                        }),
                XeCommand.of(
                        "pool-ha-enable",
                        Group.POOL,
                        "Arm pool HA on every member (every host must be live)",
                        List.of(Param.optional(
                                "ha-timeout", "DURATION", "HA's timeout T, e.g. 30s (default: keep the pool's)")),
                        PoolCommands::haEnable),
                XeCommand.of("pool-ha-disable", Group.POOL, "Disarm pool HA", List.of(), in -> {
                    in.pool().disableHa();
                    return Output.none();
                }),
                XeCommand.of(
                        "pool-ha-compute-max-host-failures-to-tolerate",
                        Group.POOL,
                        "Compute the most host failures after which every protected VM can be restarted",
                        List.of(),
                        in -> Output.value(
                                "max-host-failures-to-tolerate", in.pool().computeMaxHostFailuresToTolerate())),
                XeCommand.of(
                        "pool-ha-compute-hypothetical-max-host-failures-to-tolerate",
                        Group.POOL,
                        "The same, as if exactly the VMs given with priority restart were protected",
                        List.of(
                                Param.map(
                                        "configuration",
                                        "a VM (uuid or name-label) and its priority, as configuration:VM=restart|best-effort|")),
                        PoolCommands::hypothetical),
                XeCommand.of(
                        "pool-join-token-create",
                        Group.POOL,
                        "Issue a join token for new hosts (poolkeeper member --join-token); prints it once, with"
                                + " --minimal the token only",
                        List.of(Param.optional(
                                "validity",
                                "DURATION",
                                "how long it lets hosts join, e.g. 2h (default " + DEFAULT_TOKEN_VALIDITY
                                        + ", at most 720h)")),
                        PoolCommands::joinTokenCreate),
                XeCommand.of(
                        "pool-join-token-list",
                        Group.POOL,
                        "List the pool's join tokens (id and expiry; never the secret)",
                        List.of(),
                        in -> new Output.Records(
                                in.view().joinTokens().stream()
                                        .map(t -> List.of(
                                                new Output.Field("id", " RO", t.id()),
                                                new Output.Field(
                                                        "expires",
                                                        " RO",
                                                        t.expiresAt().toString())))
                                        .toList(),
                                false)),
                XeCommand.of(
                        "pool-join-token-revoke",
                        Group.POOL,
                        "Revoke a join token: no host joins with it any more",
                        List.of(Param.required("id", "ID", "the token's id (pool-join-token-list)")),
                        in -> {
                            in.pool().revokeJoinToken(in.req("id"));
                            return Output.none();
                        }),
                XeCommand.of(
                        "pool-emergency-transition-to-master",
                        Group.POOL,
                        "On a member in emergency mode (the first -s address): make it master of a new generation",
                        List.of(),
                        in -> {
                            in.client().emergencyTransitionToMaster(in.session().target());
                            return Output.none();
                        }),
                XeCommand.of(
                        "pool-emergency-reset-master",
                        Group.POOL,
                        "On a member in emergency mode or of an older generation (the first -s address): drop its"
                                + " copy and join the master at master-address",
                        List.of(Param.required("master-address", "HOST:PORT", "the new master's address")),
                        in -> {
                            in.client().emergencyResetMaster(in.session().target(), in.req("master-address"));
                            return Output.none();
                        }),
                XeCommand.of(
                        "pool-recover-slaves",
                        Group.POOL,
                        "On the new master (the first -s address): point every other host at it; prints those"
                                + " recovered",
                        List.of(),
                        in -> Output.value(
                                "recovered",
                                in.client().recoverSlaves(in.session().target()).stream()
                                        .map(Object::toString)
                                        .toList())));
    }

    private static Output joinTokenCreate(Invocation in) {
        Duration validity = in.parsedOpt("validity", Values::duration).orElse(Values.duration(DEFAULT_TOKEN_VALIDITY));
        JoinToken token = in.pool().createJoinToken(validity);
        // The token first: --minimal prints the first field only, for scripts that hand it to a joiner.
        return new Output.Records(
                List.of(List.of(
                        new Output.Field("token", " RO", token.token()),
                        new Output.Field("id", " RO", token.id()),
                        new Output.Field("expires", " RO", token.expiresAt().toString()))),
                true);
    }

    private static Output hypothetical(Invocation in) {
        SortedMap<VmId, HaRestartPriority> configuration = new TreeMap<>();
        for (Map.Entry<String, String> e : in.map("configuration").entrySet()) {
            VmId vm = in.vmNamed(e.getKey(), "configuration");
            configuration.put(
                    vm, Invocation.parse("configuration:" + e.getKey(), e.getValue(), HaRestartPriority::fromXapiName));
        }
        return Output.value(
                "max-host-failures-to-tolerate", in.pool().computeHypotheticalMaxHostFailuresToTolerate(configuration));
    }

    private static Output haEnable(Invocation in) {
        Optional<Duration> timeout = in.parsedOpt("ha-timeout", Values::duration);
        if (timeout.isPresent() && timeout.get().isZero()) {
            // The pool reads a zero timeout as "keep mine": refuse it rather than silently keep another value.
            throw new UsageException("ha-timeout: must be longer than 0 (e.g. 30s)");
        }
        in.pool().enableHa(timeout);
        return Output.none();
    }

    private static Output paramSet(Invocation in) {
        boolean any = false;
        for (Map.Entry<String, String> e : in.given().entrySet()) {
            if (!SETTABLE.contains(e.getKey())) {
                continue;
            }
            String value = e.getValue();
            if (e.getKey().equals("ha-timeout")) {
                // The pool stores seconds, as xe's ha-config:timeout; accept 30s or 1m as well.
                value = String.valueOf(
                        Invocation.parse("ha-timeout", value, Values::duration).toSeconds());
            }
            in.pool().setParam(e.getKey(), value);
            any = true;
        }
        if (!any) {
            throw new UsageException("pool-param-set needs at least one of " + String.join("=, ", SETTABLE) + "=");
        }
        return Output.none();
    }
}
