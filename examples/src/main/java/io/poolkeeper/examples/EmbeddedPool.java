package io.poolkeeper.examples;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.PoolRejectedException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.testing.Ports;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The README's embedding snippet, made real: three members in one JVM on loopback (one per "host", each with its
 * {@link TemplateHostAgent}), a VM started through the embedded API, then shut down through a remote
 * {@link PoolClient}. Run it with {@code examples/run-example.sh EmbeddedPool}.
 */
public final class EmbeddedPool {
    /**
     * What the example did.
     *
     * @param hosts the hosts of the pool, as the pool recorded them
     * @param vm the VM it created
     * @param startedOn where the pool said the VM started
     * @param runningOnAgent the host whose agent ran it
     * @param afterShutdown the VM's power state once the client shut it down
     */
    public record Result(
            List<HostId> hosts, VmId vm, HostId startedOn, Optional<HostId> runningOnAgent, PowerState afterShutdown) {}

    private EmbeddedPool() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("poolkeeper-embedded");
        Result result = run(dir, System.out);
        System.out.println("done: " + result);
        System.exit(0); // at once, whatever library threads are still winding down
    }

    public static Result run(Path dir, PrintStream out) {
        List<HostId> ids = List.of(
                HostId.of("446a3c0e-0000-4000-8000-000000000001"),
                HostId.of("586b1d2f-0000-4000-8000-000000000002"),
                HostId.of("6a7c2e30-0000-4000-8000-000000000003"));
        List<String> addresses = new ArrayList<>();
        List<TemplateHostAgent> agents = new ArrayList<>();
        List<PoolMember> members = new ArrayList<>();
        try {
            String token = null;
            for (int i = 0; i < ids.size(); i++) {
                addresses.add("127.0.0.1:" + Ports.freePair());
                agents.add(new TemplateHostAgent(ids.get(i)));
                // --- from the README's "Embedding"
                PoolMember.Builder builder = PoolMember.builder()
                        .hostUuid(ids.get(i))
                        .listenAddress(addresses.get(i)) // PoolService; Raft listens on port + 1
                        .storageDirectory(dir.resolve("host" + (i + 1)))
                        .insecure() // loopback only; on a network: .tls(Path.of("/etc/poolkeeper/tls"))
                        .memoryTotal(16L << 30)
                        .timeouts(LoopbackPool.TIMEOUTS)
                        .hostAgent(agents.get(i)); // your HostAgent: start/stop/migrate/fence VMs
                if (i == 0) {
                    builder.createPool("prod");
                } else {
                    builder.joinPool(addresses.get(0)).joinToken(token);
                }
                PoolMember member = builder.build();
                member.start(); // a restarted member resumes from its directory
                members.add(member);
                if (i == 0) {
                    // Joining needs a token of the pool (pool-join-token-create).
                    token = member.pool()
                            .blocking()
                            .createJoinToken(Duration.ofMinutes(10))
                            .token();
                }
                out.println("member " + ids.get(i) + " serves at " + member.serviceAddress() + " as " + member.role());
            }

            BlockingPool pool = members.get(0).pool().blocking(); // members.get(0).pool() is the async API
            VmId vm = pool.createVm(VmSpec.of("web", 4L << 30, 2));
            HostId host = pool.startVm(vm, Optional.of(ids.get(1)), false); // returns once the agent started it
            PoolView view = pool.read(ReadConsistency.LINEARIZABLE);
            out.println("VM web " + vm + " is " + view.vm(vm).orElseThrow().powerState() + " on " + host + "; "
                    + view.hosts().size() + " hosts in the pool");
            Optional<HostId> runningOnAgent = agents.stream()
                    .filter(a -> a.domains().containsKey(vm))
                    .map(TemplateHostAgent::host)
                    .findFirst();

            try (PoolClient client = PoolClient.builder()
                    .members(addresses)
                    .insecure() // on a network: .tls(Path.of("/etc/poolkeeper/client")), a client certificate
                    .build()) {
                client.pool().blocking().shutdownVm(vm, false); // follows the master, fails over by itself
            } catch (PoolRejectedException e) {
                out.println(e.code() + " " + e.params()); // stable codes named as in xapi
                throw e;
            }
            // --- end of the README's snippet
            PowerState after =
                    pool.read(ReadConsistency.LINEARIZABLE).vm(vm).orElseThrow().powerState();
            out.println("a remote client shut it down: " + after);
            return new Result(List.copyOf(view.hosts().keySet()), vm, host, runningOnAgent, after);
        } finally {
            members.forEach(PoolMember::close);
        }
    }
}
