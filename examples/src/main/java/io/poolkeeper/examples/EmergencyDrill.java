package io.poolkeeper.examples;

import static org.awaitility.Awaitility.await;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.VmId;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * An emergency drill, the first seed's procedure: a 3-host pool loses its master and a second host, so the survivor
 * has no majority and, after {@code emergency-after}, enters emergency mode (only local reads and emergency calls).
 * The operator makes it master ({@code pool-emergency-transition-to-master}: it re-founds the pool from its copy in
 * the next generation), the lost hosts boot again, and the new master recovers them ({@code pool-recover-slaves}).
 * The calls used are {@link PoolMember#emergencyTransitionToMaster()} and {@link PoolMember#recoverSlaves()}; a remote
 * operator has the same on {@code PoolClient} (given a member's certificate).
 */
public final class EmergencyDrill {
    /**
     * What the drill did.
     *
     * @param survivor the host that entered emergency mode and became master
     * @param roleWhileAlone the survivor's role once it gave up waiting for a master
     * @param writeRefusedWith what a write to the survivor was refused with meanwhile
     * @param generationBefore the pool generation before the transition
     * @param generationAfter the survivor's generation after it
     * @param recovered the hosts {@code recoverSlaves} brought into the new generation
     * @param vm a VM created before the failures
     * @param vmKept whether every member holds that VM in the new generation
     * @param rolesAfter each member's role at the end, by host index
     */
    public record Result(
            HostId survivor,
            MemberRole roleWhileAlone,
            Optional<ErrorCode> writeRefusedWith,
            long generationBefore,
            long generationAfter,
            Set<HostId> recovered,
            VmId vm,
            boolean vmKept,
            List<MemberRole> rolesAfter) {}

    private EmergencyDrill() {}

    public static void main(String[] args) throws Exception {
        Result result = run(Files.createTempDirectory("poolkeeper-emergency"), System.out);
        System.out.println("done: " + result);
        System.exit(0);
    }

    public static Result run(Path dir, PrintStream out) {
        try (LoopbackPool pool = LoopbackPool.start(dir, 3)) {
            int master = pool.awaitMaster();
            int lost = (master + 1) % 3;
            int survivor = (master + 2) % 3;
            VmId vm = pool.member(master).pool().blocking().createVm(VmSpec.of("web", 1L << 30, 1));
            PoolMember s = pool.member(survivor);
            await().atMost(LoopbackPool.WAIT).until(() -> s.pool()
                    .blocking()
                    .read(ReadConsistency.LOCAL)
                    .vm(vm)
                    .isPresent());
            long generationBefore = s.generation();

            out.println("killing the master " + pool.host(master) + " and " + pool.host(lost));
            pool.kill(master);
            pool.kill(lost);
            await().atMost(LoopbackPool.WAIT).until(s::isInEmergencyMode);
            MemberRole roleWhileAlone = s.role();
            Optional<ErrorCode> refused = Optional.empty(); // empty: the write was taken (it must not be)
            try {
                s.pool().blocking().createVm(VmSpec.of("refused", 1L << 30, 1));
            } catch (PoolException e) {
                refused = Optional.of(e.code());
            }
            out.println(pool.host(survivor) + " is in emergency mode (" + roleWhileAlone + ", writes refused with "
                    + refused.orElse(null) + "); transition to master");

            s.emergencyTransitionToMaster();
            await().atMost(LoopbackPool.WAIT).until(() -> s.role() == MemberRole.MASTER);
            out.println(
                    pool.host(survivor) + " is master of generation " + s.generation() + "; the lost hosts boot again");

            pool.restart(master);
            pool.restart(lost);
            // A host that has not finished booting is not recovered yet: ask again until both are.
            Set<HostId> recovered = new TreeSet<>();
            Set<HostId> both = Set.of(pool.host(master), pool.host(lost));
            await().atMost(LoopbackPool.WAIT).until(() -> {
                recovered.addAll(s.recoverSlaves());
                return recovered.containsAll(both);
            });
            await().atMost(LoopbackPool.WAIT).until(() -> IntStream.range(0, 3)
                    .allMatch(i -> pool.member(i).generation() == s.generation()
                            && pool.member(i).role() != MemberRole.NO_MASTER));
            boolean vmKept = IntStream.range(0, 3).allMatch(i -> pool.member(i)
                    .pool()
                    .blocking()
                    .read(ReadConsistency.LOCAL)
                    .vm(vm)
                    .isPresent());
            List<MemberRole> roles =
                    IntStream.range(0, 3).mapToObj(i -> pool.member(i).role()).toList();
            out.println("recovered " + recovered + "; roles " + roles);
            return new Result(
                    pool.host(survivor),
                    roleWhileAlone,
                    refused,
                    generationBefore,
                    s.generation(),
                    Set.copyOf(recovered),
                    vm,
                    vmKept,
                    roles);
        }
    }
}
