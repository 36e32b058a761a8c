package io.poolkeeper.cli;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.cli.XeCommand.Group;
import io.poolkeeper.cli.XeCommand.Param;
import io.poolkeeper.rpc.LinkFaultClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Test-only: pulling cables between member processes without root, through {@code InjectLinkFault}. A member started
 * with {@code --allow-fault-injection} drops every message (PoolService and Raft) the hosts it is told about send it;
 * any other member refuses with {@code FAULT_INJECTION_DISABLED} and changes nothing.
 *
 * <p>{@code link-cut}/{@code link-heal} act on one member ({@code address=}, default the first {@code -s}): a one-way
 * cut A -> B is {@code link-cut from=A address=B}. {@code host-pull-cable}/{@code host-plug-cable} act on every member
 * of the pool at the address the pool records for it: pulling X's cable is "X drops what every other host sends, and
 * every other host drops what X sends". Hosts are named by uuid or name-label, looked up in the answering member's own
 * copy, so these commands work while the pool has no master. Cuts and heals are idempotent: a command that failed
 * part-way may be run again.
 */
final class LinkCommands {
    private static final String BLOCKED = "blocked-from";
    private static final Param ADDRESS =
            Param.optional("address", "HOST:PORT", "the member to tell (default: the first -s address)");
    private static final List<Param> HOST = List.of(
            Param.optional("uuid", "UUID", "the host"),
            Param.optional("host", "HOST", "the host by name-label or uuid (instead of uuid=)"));

    private LinkCommands() {}

    static List<XeCommand> commands() {
        return List.of(
                XeCommand.of(
                        "link-cut",
                        Group.FAULT,
                        "One member drops every message the hosts named send it (a one-way cut A -> B: from=A"
                                + " address=B); prints the hosts it drops",
                        List.of(
                                Param.required("from", "HOST,...", "the senders to drop, by uuid or name-label"),
                                ADDRESS),
                        in -> blocked(in, client -> client.cut(hosts(in, in.req("from"))))),
                XeCommand.of(
                        "link-heal",
                        Group.FAULT,
                        "One member hears the hosts named again (every host without from=); prints those it still"
                                + " drops",
                        List.of(
                                Param.optional("from", "HOST,...", "the senders to hear again (default: every host)"),
                                ADDRESS),
                        in -> blocked(
                                in,
                                client -> in.opt("from").isPresent()
                                        ? client.heal(hosts(in, in.req("from")))
                                        : client.healAll())),
                XeCommand.of(
                        "host-pull-cable",
                        Group.FAULT,
                        "Cut a host off from every other host, both directions, at every member; prints what each"
                                + " member drops",
                        HOST,
                        in -> cable(in, true)),
                XeCommand.of(
                        "host-plug-cable",
                        Group.FAULT,
                        "Undo host-pull-cable: heal both directions between a host and every other host",
                        HOST,
                        in -> cable(in, false)));
    }

    /** Tells the member at {@code address=} (or the first -s) what to do; prints the hosts it drops afterwards. */
    private static Output blocked(Invocation in, Function<LinkFaultClient, List<HostId>> change) {
        String address = in.opt("address").orElse(in.session().target());
        try (LinkFaultClient client = connect(in, address)) {
            return Output.value(BLOCKED, HostCommands.ids(change.apply(client)));
        }
    }

    private static LinkFaultClient connect(Invocation in, String address) {
        String pool = in.client().poolUuid().map(Object::toString).orElse("");
        return LinkFaultClient.connect(
                address, in.session().security(), pool, in.session().timeout());
    }

    /** A comma-separated list of hosts, each a uuid or a name-label. */
    private static List<HostId> hosts(Invocation in, String list) {
        List<HostId> hosts = new ArrayList<>();
        for (String selector : list.split(",")) {
            if (!selector.isBlank()) {
                hosts.add(in.host(selector.trim(), "from", in::localView));
            }
        }
        if (hosts.isEmpty()) {
            throw new UsageException(in.command() + ": from= names no host");
        }
        return hosts;
    }

    /**
     * Pulls ({@code pull}) or plugs the cable of the host given, at every member of the pool: the host itself about
     * every other host, every other host about it. A member that cannot be told is reported after the others were.
     */
    private static Output cable(Invocation in, boolean pull) {
        String selector = in.opt("uuid")
                .or(() -> in.opt("host"))
                .orElseThrow(() -> new UsageException(in.command() + " needs uuid= or host="));
        PoolView view = in.localView();
        HostId target = in.host(selector, in.opt("uuid").isPresent() ? "uuid" : "host", () -> view);
        if (!view.hosts().containsKey(target)) {
            throw PoolException.of(ErrorCode.HANDLE_INVALID, List.of("host", target.toString()), "no host " + target);
        }
        List<HostId> others =
                view.hosts().keySet().stream().filter(h -> !h.equals(target)).toList();
        SortedMap<String, String> blocked = new TreeMap<>();
        Map<String, PoolException> failed = new TreeMap<>();
        for (Host host : view.hosts().values()) {
            List<HostId> from = host.uuid().equals(target) ? others : List.of(target);
            if (from.isEmpty()) {
                continue;
            }
            try (LinkFaultClient client = connect(in, host.address())) {
                List<HostId> now = pull ? client.cut(from) : client.heal(from);
                blocked.put(host.uuid().toString(), String.join(",", HostCommands.ids(now)));
            } catch (PoolException e) {
                failed.put(host.uuid() + " (" + host.address() + ")", e);
            }
        }
        if (!failed.isEmpty()) {
            throw partly(pull, target, blocked.keySet().size(), failed);
        }
        return Output.value(BLOCKED, blocked);
    }

    /** The first member's error, saying which members were told and which were not. */
    private static PoolException partly(boolean pull, HostId target, int told, Map<String, PoolException> failed) {
        PoolException first = failed.values().iterator().next();
        List<String> why = new ArrayList<>();
        failed.forEach((member, e) -> why.add(member + ": " + e.getMessage()));
        return PoolException.of(
                first.code(),
                List.copyOf(failed.keySet()),
                "the cable of " + target + " was " + (pull ? "pulled" : "plugged") + " at " + told + " member"
                        + (told == 1 ? "" : "s") + " but not at " + String.join("; ", why));
    }
}
