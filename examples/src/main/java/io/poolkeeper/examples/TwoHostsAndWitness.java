package io.poolkeeper.examples;

import static org.awaitility.Awaitility.await;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Two hosts and a witness with pool HA: the smallest pool that survives the loss of either host. A protected VM
 * ({@code ha-restart-priority=restart}) runs on the first host; that host is lost; the other host and the witness
 * are two of three, so they keep the pool, declare the lost host dead once its HA deadline has passed, and restart
 * the VM on the other host (never on the witness, which runs no VM). Without a witness the seed's 2-host rule would
 * fence the higher-UUID host whichever one failed.
 *
 * <p>The loss is a crash ({@link io.poolkeeper.api.PoolMember#kill()}) of the host's member, with its hypervisor:
 * pulling a cable in one JVM needs {@code poolkeeper-testing}'s {@code LinkFaults}, which is not public API (the
 * {@code ./poolkeeper demo} pulls real cables between processes with {@code host-pull-cable}). A real host whose member
 * dies while its hypervisor runs on must be rebooted by a watchdog, or its VMs would run twice (README, "Pool HA").
 */
public final class TwoHostsAndWitness {
    /**
     * The HA timeout T, as the demo's. The shortest allowed is 1 s, but members heartbeat every {@code max(1 s, T/10)}
     * and a host fences after T/2 outside a surviving partition, so below about 5 s a loaded machine's late beats can
     * fence healthy hosts (seen at T = 2 s on a 2-core machine under load).
     */
    static final Duration HA_TIMEOUT = Duration.ofSeconds(5);

    /**
     * What happened.
     *
     * @param lostHost the host whose member was killed (it ran the protected VM)
     * @param otherHost the healthy host
     * @param vm the protected VM
     * @param restartedOn where the pool records the VM running after the loss
     * @param otherHostAgentRunsIt whether the healthy host's agent runs it
     * @param witnessRunsNothing whether the witness's agent runs no VM
     * @param otherHostRole the healthy host's role at the end (not fenced)
     * @param lossToRestart from the kill until the VM ran again
     */
    public record Result(
            HostId lostHost,
            HostId otherHost,
            VmId vm,
            Optional<HostId> restartedOn,
            boolean otherHostAgentRunsIt,
            boolean witnessRunsNothing,
            MemberRole otherHostRole,
            Duration lossToRestart) {}

    private TwoHostsAndWitness() {}

    public static void main(String[] args) throws Exception {
        Result result = run(Files.createTempDirectory("poolkeeper-witness"), System.out);
        System.out.println("done: " + result);
        System.exit(0);
    }

    public static Result run(Path dir, PrintStream out) {
        try (LoopbackPool pool = new LoopbackPool(dir)) {
            int lost = pool.add(false);
            int other = pool.add(false);
            int witness = pool.add(true);
            BlockingPool admin = pool.master().pool().blocking();
            admin.enableHa(Optional.of(HA_TIMEOUT));
            VmId vm = admin.createVm(VmSpec.of("protected", 4L << 30, 2));
            admin.setVmParam(vm, "ha-restart-priority", "restart");
            admin.startVm(vm, Optional.of(pool.host(lost)), false);
            out.println("HA on (T = " + HA_TIMEOUT.toSeconds() + " s); protected VM " + vm + " runs on "
                    + pool.host(lost) + "; losing that host");

            long start = System.nanoTime();
            pool.kill(lost);
            BlockingPool survivors = pool.member(other).pool().blocking();
            Vm restarted = await().atMost(LoopbackPool.WAIT)
                    .until(
                            () -> survivors.read(ReadConsistency.LOCAL).vm(vm).orElseThrow(),
                            v -> v.powerState() == PowerState.RUNNING
                                    && v.residentOn().equals(Optional.of(pool.host(other))));
            Duration lossToRestart = Duration.ofNanos(System.nanoTime() - start);
            out.println("the VM runs again on " + restarted.residentOn().orElseThrow() + ", "
                    + lossToRestart.toMillis() + " ms after the loss; " + pool.host(other) + " is "
                    + pool.member(other).role());
            return new Result(
                    pool.host(lost),
                    pool.host(other),
                    vm,
                    restarted.residentOn(),
                    pool.agent(other).domains().containsKey(vm),
                    pool.agent(witness).domains().isEmpty(),
                    pool.member(other).role(),
                    lossToRestart);
        }
    }
}
