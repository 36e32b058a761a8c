package io.poolkeeper.cli;

import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.ha.FenceDeadlines;
import io.poolkeeper.ha.HaSettings;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The demo's second seed (XenServer HA when the heartbeat is lost), on fresh pools of member processes whose cables
 * it pulls with {@code host-pull-cable} (the {@link DemoScript} starts them with {@code --allow-fault-injection}):
 *
 * <ul>
 *   <li>three hosts: the one running a protected VM loses its cable. It fences itself T after its last contact; the
 *       two others, a majority, declare it dead once it has provably fenced and restart the VM; plugged back, it is
 *       re-admitted by the master;
 *   <li>two hosts: no partition is larger, so the lower UUID survives whichever cable is pulled, the master's and
 *       then the slave's, and re-founds the pool in the next generation (one voter of two holds no Raft majority):
 *       the seed's table, where "Host2 (Higher UUID)" is fenced every time.
 * </ul>
 *
 * <p>Members run the production HA settings (a heartbeat every {@code max(1 s, T/10)}); the demo picks T. Not
 * thread-safe; run once, after {@link Demo}.
 */
final class HaDemo {
    private static final String THREE = "HA, 3 hosts";
    private static final String TWO = "HA, 2 hosts";

    private final DemoScript script;
    private final Duration haTimeout;
    private final Duration heartbeat;
    private final FenceDeadlines deadlines;

    HaDemo(DemoScript script, Duration haTimeout) {
        this.script = script;
        this.haTimeout = haTimeout;
        HaSettings settings = HaSettings.defaults();
        this.heartbeat = settings.heartbeatInterval(haTimeout);
        this.deadlines = settings.deadlines(haTimeout);
    }

    void run() {
        threeHosts();
        twoHosts();
    }

    // --- three hosts: the larger partition wins

    private void threeHosts() {
        script.section("Seed 2, HA with three hosts: one loses its heartbeat; it is fenced, the two others restart"
                + " its protected VM");
        script.say(
                "the first seed's pool is shut down; HA runs on fresh pools. HA timeout T = %s: heartbeats every"
                        + " %s, a host cut off fences itself T after its last contact, the others declare it dead after"
                        + " D + 1.1W + 2 heartbeats = %s (D = W = T/2)",
                secs(haTimeout), secs(heartbeat), secs(declare()));
        script.retireAll();
        long t = System.nanoTime();
        List<MemberProcess> hosts = startPool("ha3", 5, 3);
        script.step(THREE, "3 fresh member processes, pool formed", t, "JVM start-up + 2 joins");

        t = System.nanoTime();
        enableHa();
        HostId master = DemoScript.master(script.view());
        MemberProcess victim = hosts.stream()
                .filter(m -> !m.host().equals(master))
                .reduce((first, last) -> last)
                .orElseThrow();
        VmId vm = VmId.of(script.xe("vm-create", "name-label=protected", "memory=2GiB", "vcpus=1", "--minimal")
                .trim());
        script.xe("vm-param-set", "vm=protected", "ha-restart-priority=restart");
        script.xe("vm-start", "vm=protected", "on=" + victim.name());
        script.xe("vm-list", "params=name-label,power-state,resident-on,ha-restart-priority,ha-always-run");
        script.step(THREE, "HA on (T = " + secs(haTimeout) + "), protected VM started on " + victim.name(), t, "");

        script.say(
                "pull %s's cable (the seed's Host 3): it drops what the others send, they drop what it sends",
                victim.name());
        t = System.nanoTime();
        script.xe("host-pull-cable", "host=" + victim.name());
        awaitRole(victim, MemberRole.FENCED);
        script.step(THREE, victim.name() + "'s cable pulled -> it fenced itself (FENCED)", t, fenceBound());
        script.xe("host-get-role", "-s", victim.address());
        script.showLog(victim, "self-fencing");
        script.say("its agent hard-stopped its VMs; the two others wait until it has provably fenced");
        script.await(
                "the others declare " + victim.name() + " dead and restart the protected VM",
                patience(),
                () -> DemoScript.quietly(() -> {
                    PoolView v = script.view();
                    return !v.host(victim.host()).map(Host::live).orElse(true)
                            && runsOn(v, vm)
                                    .filter(h -> !h.equals(victim.host()))
                                    .isPresent();
                }));
        String where = script.byHost(runsOn(script.view(), vm).orElseThrow()).name();
        script.step(
                THREE,
                "the 2 others declare " + victim.name() + " dead; protected VM runs on " + where,
                t,
                declareBound() + " + commits");
        script.xe("host-list", "params=name-label,live");
        script.xe("vm-list", "params=name-label,power-state,resident-on");

        plugBack(THREE, victim, victim);
        script.xe("host-get-role", "-s", victim.address());
    }

    // --- two hosts: the lower UUID wins the tie

    private void twoHosts() {
        script.section("Seed 2, HA with two hosts: no larger partition; whichever cable is pulled, the higher UUID is"
                + " fenced");
        script.retireAll();
        long t = System.nanoTime();
        List<MemberProcess> hosts = startPool("ha2", 8, 2);
        MemberProcess lower = hosts.get(0);
        MemberProcess higher = hosts.get(1);
        script.step(TWO, "2 fresh member processes, pool formed", t, "JVM start-up + 1 join");
        script.xe("host-list", "params=uuid,name-label");
        script.say(
                "%s has the lower UUID (the seed's Host1, 446...), %s the higher (Host2, 586...)",
                lower.name(), higher.name());
        if (!DemoScript.master(script.view()).equals(lower.host())) {
            script.xe("pool-designate-new-master", "host-uuid=" + lower.host());
        }
        enableHa();
        script.xe("pool-param-get", "param-name=master");

        script.say("the seed's row: Host1 (master) [cable unplugged], Host2 (slave) -> Host2 (Higher UUID) fenced");
        cable(lower, lower, higher);
        script.say("the seed's row: Host1 (master), Host2 (slave) [cable unplugged] -> Host2 (Higher UUID) fenced");
        cable(higher, lower, higher);
        script.say(
                "as in the seed's table, \"Host2 (Higher UUID)\" (%s) was fenced both times, whether the master's cable"
                        + " or its own was pulled, and %s stayed master",
                higher.name(), lower.name());
    }

    /** Pulls {@code pulled}'s cable in a 2-host pool: the higher UUID fences, the lower re-founds; then plugs it. */
    private void cable(MemberProcess pulled, MemberProcess lower, MemberProcess higher) {
        // A host counts as in contact only once the other's heartbeat says it hears it too: without this, a host
        // re-admitted a moment ago would be cut off before any contact and fence W, not T, after the pull.
        Duration settle = heartbeat.multipliedBy(3);
        script.say(
                "the pool settles: %s (3 heartbeats) for both hosts to hear each other's HA heartbeats", secs(settle));
        script.pause(settle);
        long generation = DemoScript.generation(script.view());
        long t = System.nanoTime();
        script.xe("host-pull-cable", "host=" + pulled.name());
        awaitRole(higher, MemberRole.FENCED);
        script.step(
                TWO, pulled.name() + "'s cable pulled -> " + higher.name() + " (higher UUID) fenced", t, fenceBound());
        script.xe("host-get-role", "-s", higher.address());
        script.showLog(higher, "self-fencing");
        script.await(
                lower.name() + " master of the next generation, " + higher.name() + " dead",
                patience(),
                () -> DemoScript.quietly(() -> {
                    PoolView v = script.view();
                    return script.hasRole(lower.address(), MemberRole.MASTER)
                            && DemoScript.generation(v) > generation
                            && !v.host(higher.host()).map(Host::live).orElse(true);
                }));
        script.step(
                TWO,
                lower.name() + " (lower UUID) survives: master of generation " + DemoScript.generation(script.view()),
                t,
                declareBound() + " + re-found");
        script.xe("host-get-role", "-s", lower.address());
        script.xe("pool-param-get", "param-name=generation", "-s", lower.address());
        plugBack(TWO, pulled, higher);
        script.xe("host-list", "params=name-label,live");
    }

    // --- shared

    /** Starts {@code count} fresh members, {@code host<first>} creating pool {@code name}, and connects to them. */
    private List<MemberProcess> startPool(String name, int first, int count) {
        List<MemberProcess> hosts = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            hosts.add(script.member(i));
        }
        script.say(
                "starting %s (creates pool \"%s\") and %s (join it), each in its own JVM...",
                hosts.get(0).name(),
                name,
                String.join(
                        " and ",
                        hosts.subList(1, count).stream()
                                .map(MemberProcess::name)
                                .toList()));
        hosts.get(0).start(List.of("--create-pool", name));
        hosts.get(0).awaitReady(DemoScript.START_LIMIT);
        String token = script.joinToken();
        for (MemberProcess m : hosts.subList(1, count)) {
            m.join(hosts.get(0).address(), token);
        }
        hosts.forEach(m -> m.awaitReady(DemoScript.START_LIMIT));
        script.connect();
        // pool-ha-enable needs every host live: a member that just joined counts once its heartbeats arrive.
        script.await(
                "every host of pool " + name + " live",
                DemoScript.START_LIMIT,
                () -> DemoScript.quietly(() -> {
                    PoolView v = script.view();
                    return hosts.stream()
                            .allMatch(m -> v.host(m.host()).map(Host::live).orElse(false));
                }));
        return hosts;
    }

    private void enableHa() {
        script.xe("pool-ha-enable", "ha-timeout=" + haTimeout.toSeconds() + "s");
    }

    /** Plugs {@code pulled}'s cable back; waits for the master to re-admit {@code fenced} as a live slave. */
    private void plugBack(String scenario, MemberProcess pulled, MemberProcess fenced) {
        long t = System.nanoTime();
        script.xe("host-plug-cable", "host=" + pulled.name());
        script.await(
                "the master re-admits " + fenced.name() + " (SLAVE, live)",
                patience(),
                () -> script.hasRole(fenced.address(), MemberRole.SLAVE)
                        && DemoScript.quietly(() -> script.view()
                                .host(fenced.host())
                                .map(Host::live)
                                .orElse(false)));
        script.step(
                scenario,
                "host-plug-cable -> the master re-admits " + fenced.name() + ": SLAVE, live",
                t,
                "master's check every " + secs(heartbeat) + " + rejoin");
    }

    private void awaitRole(MemberProcess m, MemberRole role) {
        script.await(m.name() + " " + role, patience(), () -> script.hasRole(m.address(), role));
    }

    private static Optional<HostId> runsOn(PoolView view, VmId id) {
        return view.vm(id).filter(v -> v.powerState() == PowerState.RUNNING).flatMap(Vm::residentOn);
    }

    /** How long any HA step may take before the demo calls it a failure: generous, for a loaded machine. */
    private Duration patience() {
        return haTimeout.multipliedBy(4).plusSeconds(30);
    }

    private Duration declare() {
        return Duration.ofNanos(deadlines.declareAfter());
    }

    private String fenceBound() {
        return "fenced T = " + secs(haTimeout) + " after its last contact";
    }

    private String declareBound() {
        return "D + 1.1W + 2 heartbeats = " + secs(declare());
    }

    /** {@code 7.25 s}, {@code 5 s}. */
    private static String secs(Duration d) {
        return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
    }
}
