package io.poolkeeper.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolRejectedException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.testing.SimulatedHypervisor;
import io.poolkeeper.testing.TestingPool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host-agent protocol written on {@code HostAgent}, held on three real members with agents that record every call
 * and keep the contract strictly (tokens per VM): concurrent operations are neither refused nor repeated, failures
 * reach the caller with the agent's words, and a restarted member reconciles with what its hypervisor runs.
 */
@Timeout(180)
@Execution(ExecutionMode.CONCURRENT) // the restart test mostly waits for a member to stop and start
class AgentProtocolTest {
    private static final Logger LOG = LoggerFactory.getLogger(AgentProtocolTest.class);
    private static final long MEMORY = 64L << 20;
    private static final int OPERATIONS = Integer.getInteger("poolkeeper.agent.operations", 500);

    @TempDir
    Path dir;

    private final Map<HostId, RecordingAgent> agents = new HashMap<>();

    private TestingPool.Builder recorded() {
        return recorded(RecordingAgent::new);
    }

    /** A pool whose agents {@code make} builds, each recorded under its host. */
    private TestingPool.Builder recorded(Function<SimulatedHypervisor, RecordingAgent> make) {
        return TestingPool.builder(dir).agents(h -> {
            RecordingAgent agent = make.apply(h);
            synchronized (agents) {
                agents.put(h.hostId(), agent);
            }
            return agent;
        });
    }

    private RecordingAgent agent(TestingPool pool, int index) {
        synchronized (agents) {
            return agents.get(pool.host(index));
        }
    }

    private List<RecordingAgent> allAgents() {
        synchronized (agents) {
            return List.copyOf(agents.values());
        }
    }

    @Test
    void concurrentOperationsOverThreeHostsAreCarriedOutOnceEachAndNoneIsRefused() throws Exception {
        long seed = Long.getLong("poolkeeper.agent.seed", System.nanoTime());
        LOG.info("agent protocol seed {} (-Dpoolkeeper.agent.seed={})", seed, seed);
        try (TestingPool pool = recorded().insecure().start(3)) {
            BlockingPool master = pool.pool(pool.awaitMaster());
            int threads = 12;
            int vmsPerThread = 4;
            List<List<VmId>> owned = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<VmId> mine = new ArrayList<>();
                for (int v = 0; v < vmsPerThread; v++) {
                    mine.add(master.createVm(VmSpec.of("vm-" + t + "-" + v, MEMORY, 1)));
                }
                owned.add(mine);
            }
            AtomicInteger budget = new AtomicInteger(OPERATIONS);
            List<String> failures = new CopyOnWriteArrayList<>();
            Map<String, AtomicInteger> done = new java.util.concurrent.ConcurrentHashMap<>();
            ExecutorService workers = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    // Each thread drives its own VMs through members in turn: master and slaves alike.
                    BlockingPool via = pool.pool(t % 3);
                    List<VmId> mine = owned.get(t);
                    Random random = new Random(seed + t);
                    futures.add(workers.submit(() -> drive(pool, via, mine, random, budget, done, failures)));
                }
                for (Future<?> f : futures) {
                    f.get(150, TimeUnit.SECONDS);
                }
            } finally {
                workers.shutdownNow();
            }

            LOG.info("operations carried out: {}", done);
            assertEquals(List.of(), failures, "every operation answered, none refused");
            int migrations = done.getOrDefault("migrate", new AtomicInteger()).get();
            await().atMost(TestingPool.WAIT)
                    .untilAsserted(() -> assertEquals(
                            migrations,
                            allAgents().stream()
                                    .mapToInt(a -> a.calls("migrateIn").size())
                                    .sum(),
                            "each committed migration handed to its target's agent once"));
            for (RecordingAgent agent : allAgents()) {
                assertEquals(List.of(), agent.violations());
            }
            assertEachOperationReachedOneAgentOnce(done);
            assertAgentsRanOnBoundedLibraryThreads();
            assertHypervisorsAgreeWithThePool(pool, master.read(ReadConsistency.LINEARIZABLE));
            pool.assertNoVmEverRanTwice();

            agentFailuresReachTheCallerWithTheAgentsWords(pool, master);
        }
    }

    /** Random legal operations on the thread's own VMs, each answered; any exception is a failure. */
    private static void drive(
            TestingPool pool,
            BlockingPool via,
            List<VmId> mine,
            Random random,
            AtomicInteger budget,
            Map<String, AtomicInteger> done,
            List<String> failures) {
        Map<VmId, PowerState> state = new HashMap<>();
        mine.forEach(vm -> state.put(vm, PowerState.HALTED));
        Map<VmId, HostId> where = new HashMap<>();
        while (budget.getAndDecrement() > 0) {
            VmId vm = mine.get(random.nextInt(mine.size()));
            String op = "";
            try {
                switch (state.get(vm)) {
                    case HALTED -> {
                        op = "start";
                        where.put(vm, via.startVm(vm, Optional.of(pool.host(random.nextInt(3))), false));
                        state.put(vm, PowerState.RUNNING);
                    }
                    case SUSPENDED -> {
                        op = "resume";
                        where.put(vm, via.resumeVm(vm, Optional.of(pool.host(random.nextInt(3)))));
                        state.put(vm, PowerState.RUNNING);
                    }
                    case PAUSED -> {
                        op = "unpause";
                        via.unpauseVm(vm);
                        state.put(vm, PowerState.RUNNING);
                    }
                    case RUNNING -> {
                        switch (random.nextInt(6)) {
                            case 0 -> {
                                op = "shutdown";
                                via.shutdownVm(vm, random.nextBoolean());
                                state.put(vm, PowerState.HALTED);
                            }
                            case 1 -> {
                                op = "reboot";
                                via.rebootVm(vm, random.nextBoolean());
                            }
                            case 2 -> {
                                op = "pause";
                                via.pauseVm(vm);
                                state.put(vm, PowerState.PAUSED);
                            }
                            case 3 -> {
                                op = "suspend";
                                via.suspendVm(vm);
                                state.put(vm, PowerState.SUSPENDED);
                            }
                            default -> {
                                op = "migrate";
                                HostId target = pool.host((pool.indexOf(where.get(vm)) + 1 + random.nextInt(2)) % 3);
                                via.migrateVm(vm, target);
                                where.put(vm, target);
                            }
                        }
                    }
                }
                done.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
            } catch (RuntimeException e) {
                failures.add(op + " of " + vm + ": " + e);
                return;
            }
        }
    }

    /** Each API operation is one agent call (migrations: one migrateOut), and no (VM, token) pair came twice. */
    private void assertEachOperationReachedOneAgentOnce(Map<String, AtomicInteger> done) {
        Map<String, String> method = Map.of(
                "start", "start",
                "resume", "resume",
                "unpause", "unpause",
                "shutdown", "stop",
                "reboot", "reboot",
                "pause", "pause",
                "suspend", "suspend",
                "migrate", "migrateOut");
        for (Map.Entry<String, String> e : method.entrySet()) {
            int calls = allAgents().stream()
                    .mapToInt(a -> a.calls(e.getValue()).size())
                    .sum();
            assertEquals(
                    done.getOrDefault(e.getKey(), new AtomicInteger()).get(),
                    calls,
                    e.getKey() + " operations against " + e.getValue() + " calls");
        }
        Set<String> seen = new HashSet<>();
        for (RecordingAgent agent : allAgents()) {
            for (RecordingAgent.Call call : agent.calls()) {
                if (call.vm() != null) {
                    assertTrue(
                            seen.add(call.operation() + "/" + call.vm() + "/" + call.token()),
                            () -> "delivered twice: " + call);
                }
            }
        }
    }

    private void assertAgentsRanOnBoundedLibraryThreads() {
        for (RecordingAgent agent : allAgents()) {
            Set<String> threads = agent.calls().stream()
                    .filter(c -> c.vm() != null)
                    .map(RecordingAgent.Call::thread)
                    .collect(Collectors.toSet());
            assertTrue(threads.stream().allMatch(t -> t.startsWith("agent-")), threads::toString);
            assertTrue(threads.size() <= 16, () -> threads.size() + " agent threads on one host: " + threads);
        }
    }

    /** The pool's record and the hypervisors agree, VM by VM. */
    private static void assertHypervisorsAgreeWithThePool(TestingPool pool, PoolView view) {
        for (Vm vm : view.vms().values()) {
            for (int i = 0; i < 3; i++) {
                boolean runsHere = vm.powerState().isLive() && vm.residentOn().equals(Optional.of(pool.host(i)));
                Optional<PowerState> actual = pool.hypervisor(i).stateOf(vm.uuid());
                assertEquals(runsHere ? Optional.of(vm.powerState()) : Optional.empty(), actual, vm.toString());
            }
        }
    }

    private void agentFailuresReachTheCallerWithTheAgentsWords(TestingPool pool, BlockingPool master) {
        VmId vm = master.createVm(VmSpec.of("refused", MEMORY, 1));
        pool.hypervisor(1).failNext("start");
        PoolRejectedException failed =
                assertThrows(PoolRejectedException.class, () -> master.startVm(vm, Optional.of(pool.host(1)), false));
        assertEquals(ErrorCode.HOST_AGENT_FAILED, failed.code());
        assertEquals(vm.toString(), failed.params().get(0));
        assertTrue(
                failed.params().get(1).contains("injected failure"),
                failed.params().toString());
        assertTrue(failed.params().get(1).contains(pool.host(1).toString()), "the message names the host");

        agent(pool, 2).staleNext("start");
        PoolRejectedException stale =
                assertThrows(PoolRejectedException.class, () -> master.startVm(vm, Optional.of(pool.host(2)), false));
        assertEquals(ErrorCode.FENCING_TOKEN_STALE, stale.code());
        assertTrue(stale.getMessage().contains("the test says the token is stale"), stale.getMessage());
        assertEquals(
                PowerState.HALTED,
                master.read(ReadConsistency.LINEARIZABLE).vm(vm).orElseThrow().powerState());
    }

    @Test
    void aMigrationCommittedBeforeTheTargetsAgentActsIsHandedToItOnceItDoes() {
        // The third host's agent answers listRunning only when the test says so: until then its member does not act.
        CountDownLatch listed = new CountDownLatch(1);
        AtomicInteger built = new AtomicInteger();
        TestingPool.Builder builder =
                recorded(h -> built.getAndIncrement() == 2 ? new RecordingAgent(h, listed) : new RecordingAgent(h));
        try (TestingPool pool = builder.insecure().start(3)) {
            BlockingPool master = pool.pool(pool.awaitMaster());
            HostId late = pool.host(2);
            HostId source = pool.host(pool.others(2).get(0));
            VmId vm = master.createVm(VmSpec.of("arriving", MEMORY, 1));
            master.startVm(vm, Optional.of(source), false);
            master.migrateVm(vm, late);
            assertEquals(
                    Optional.of(late),
                    master.read(ReadConsistency.LINEARIZABLE)
                            .vm(vm)
                            .orElseThrow()
                            .residentOn());
            assertEquals(List.of(), agent(pool, 2).calls("migrateIn"), "the late agent does not act yet");

            listed.countDown();

            await().atMost(TestingPool.WAIT)
                    .until(
                            () -> agent(pool, 2).calls("migrateIn").stream()
                                    .map(RecordingAgent.Call::vm)
                                    .toList(),
                            calls -> calls.equals(List.of(vm)));
            assertEquals(List.of(), agent(pool, 2).violations());
        }
    }

    @Test
    void aRestartedMemberTakesAStartItCarriedOutAsDoneAndReportsWhatDisagrees() throws Exception {
        // Hosts are declared dead only after 30 s: the member of host 2 is back long before, so its pending start
        // is still pending when it returns.
        MemberTimeouts slowDeath = new MemberTimeouts(
                Duration.ofMillis(100),
                Duration.ofSeconds(30),
                Duration.ofSeconds(60),
                Duration.ofMillis(300),
                Duration.ofMillis(600),
                Duration.ofSeconds(5));
        AtomicInteger threadCount = new AtomicInteger();
        ExecutorService embedderThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "embedder-agent-" + threadCount.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try (TestingPool pool =
                recorded().timeouts(slowDeath).agentExecutor(embedderThreads).start(3)) {
            int m = pool.awaitMaster();
            int slave = pool.slaves().get(0);
            BlockingPool master = pool.pool(m);
            HostId host = pool.host(slave);
            VmId pending = master.createVm(VmSpec.of("pending", MEMORY, 1));
            VmId lost = master.createVm(VmSpec.of("lost", MEMORY, 1));
            VmId stray = master.createVm(VmSpec.of("stray", MEMORY, 1));
            master.startVm(lost, Optional.of(host), false);
            List<PoolEvent> alerts = new CopyOnWriteArrayList<>();
            pool.member(m).pool().watch(0, e -> {
                if (e.kind() == PoolEvent.Kind.ALERT) {
                    alerts.add(e);
                }
            });

            // The member's start reaches the hypervisor, then the member dies before the answer is committed.
            agent(pool, slave).hangAfterNext("start");
            CompletableFuture<HostId> started = pool.member(m).pool().startVm(pending, Optional.of(host), false);
            await().atMost(TestingPool.WAIT)
                    .until(() -> pool.hypervisor(slave).stateOf(pending).isPresent());
            pool.killMember(slave);
            // Meanwhile, behind the pool's back: one VM dies, one VM is started by hand.
            long generation =
                    master.read(ReadConsistency.LOCAL).pool().orElseThrow().generation();
            // Tokens are per VM: the newest possible one for these two VMs only.
            FencingToken manual = new FencingToken(generation, Long.MAX_VALUE);
            pool.hypervisor(slave).stop(lost, true, manual);
            pool.hypervisor(slave)
                    .start(master.read(ReadConsistency.LOCAL).vm(stray).orElseThrow(), false, manual);
            int startsBefore = agent(pool, slave).calls("start").size();

            pool.restart(slave);

            assertEquals(host, started.get(60, TimeUnit.SECONDS), "the caller gets the first attempt's answer");
            Vm after = master.read(ReadConsistency.LINEARIZABLE).vm(pending).orElseThrow();
            assertEquals(PowerState.RUNNING, after.powerState());
            assertEquals(Optional.of(host), after.residentOn());
            assertEquals(startsBefore, agent(pool, slave).calls("start").size(), "no second start");
            await().atMost(TestingPool.WAIT).untilAsserted(() -> {
                assertTrue(hasAlert(alerts, ErrorCode.HOST_MISSING_RUNNING_VM, lost, host), alerts::toString);
                assertTrue(hasAlert(alerts, ErrorCode.HOST_RUNS_UNEXPECTED_VM, stray, host), alerts::toString);
            });
            assertFalse(hasAlert(alerts, ErrorCode.HOST_RUNS_UNEXPECTED_VM, pending, host), alerts::toString);
            // The reconciling member changed nothing itself: the operator decides.
            assertEquals(
                    PowerState.RUNNING,
                    master.read(ReadConsistency.LINEARIZABLE)
                            .vm(lost)
                            .orElseThrow()
                            .powerState());
            assertEquals(
                    PowerState.HALTED,
                    master.read(ReadConsistency.LINEARIZABLE)
                            .vm(stray)
                            .orElseThrow()
                            .powerState());
            List<String> threads = agent(pool, slave).calls().stream()
                    .map(RecordingAgent.Call::thread)
                    .distinct()
                    .toList();
            assertTrue(threads.stream().allMatch(t -> t.startsWith("embedder-agent-")), threads.toString());
        } finally {
            embedderThreads.shutdownNow();
        }
    }

    private static boolean hasAlert(List<PoolEvent> alerts, ErrorCode code, VmId vm, HostId host) {
        return alerts.stream()
                .anyMatch(e -> e.name().equals(code.name())
                        && e.params().values().stream().anyMatch(v -> v.contains(vm.toString()))
                        && e.params().values().stream().anyMatch(v -> v.contains(host.toString())));
    }
}
