package io.poolkeeper.agent;

import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.HostAgentException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.testing.SimulatedHypervisor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A {@link HostAgent} that records every call the runtime makes and checks what the runtime promises: never two calls
 * in flight for one VM. The hypervisor's work (and the token checks of the contract) is a {@link SimulatedHypervisor}'s.
 * A test can make the next call of an operation answer with a stale-token refusal, or hang after the hypervisor did
 * its work (a member that dies before the answer is committed).
 */
final class RecordingAgent implements HostAgent {
    /** One call: the method, the VM, its token, the thread it ran on. */
    record Call(String operation, VmId vm, FencingToken token, String thread) {}

    private interface Work {
        void run() throws HostAgentException;
    }

    private final SimulatedHypervisor hypervisor;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Set<VmId> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<String> staleNext = ConcurrentHashMap.newKeySet();
    private final Set<String> hangAfter = ConcurrentHashMap.newKeySet();
    private final CountDownLatch never = new CountDownLatch(1);
    private final CountDownLatch listed;

    RecordingAgent(SimulatedHypervisor hypervisor) {
        this(hypervisor, new CountDownLatch(0));
    }

    /** An agent whose {@link #listRunning} waits for {@code listed}: its member does not act until then. */
    RecordingAgent(SimulatedHypervisor hypervisor, CountDownLatch listed) {
        this.hypervisor = hypervisor;
        this.listed = listed;
    }

    List<Call> calls() {
        return new ArrayList<>(calls);
    }

    List<Call> calls(String operation) {
        return calls.stream().filter(c -> c.operation().equals(operation)).toList();
    }

    /** What the runtime did that it promises never to do. */
    List<String> violations() {
        return List.copyOf(violations);
    }

    /** The next call of {@code operation} is refused as stale, without reaching the hypervisor. */
    void staleNext(String operation) {
        staleNext.add(operation);
    }

    /** The next call of {@code operation} does its work, then never returns (until the member's executor stops). */
    void hangAfterNext(String operation) {
        hangAfter.add(operation);
    }

    private void record(String operation, VmId vm, FencingToken token, Work work) throws HostAgentException {
        calls.add(new Call(operation, vm, token, Thread.currentThread().getName()));
        if (!inFlight.add(vm)) {
            violations.add("two calls in flight for VM " + vm + " (" + operation + " " + token + ")");
        }
        try {
            if (staleNext.remove(operation)) {
                throw new HostAgentException(operation + " of VM " + vm + ": the test says the token is stale", true);
            }
            work.run();
            if (hangAfter.remove(operation)) {
                never.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostAgentException("interrupted");
        } finally {
            inFlight.remove(vm);
        }
    }

    @Override
    public void start(Vm vm, boolean paused, FencingToken token) throws HostAgentException {
        record("start", vm.uuid(), token, () -> hypervisor.start(vm, paused, token));
    }

    @Override
    public void stop(VmId vm, boolean hard, FencingToken token) throws HostAgentException {
        record("stop", vm, token, () -> hypervisor.stop(vm, hard, token));
    }

    @Override
    public void reboot(VmId vm, boolean hard, FencingToken token) throws HostAgentException {
        record("reboot", vm, token, () -> hypervisor.reboot(vm, hard, token));
    }

    @Override
    public void pause(VmId vm, FencingToken token) throws HostAgentException {
        record("pause", vm, token, () -> hypervisor.pause(vm, token));
    }

    @Override
    public void unpause(VmId vm, FencingToken token) throws HostAgentException {
        record("unpause", vm, token, () -> hypervisor.unpause(vm, token));
    }

    @Override
    public void suspend(VmId vm, FencingToken token) throws HostAgentException {
        record("suspend", vm, token, () -> hypervisor.suspend(vm, token));
    }

    @Override
    public void resume(Vm vm, FencingToken token) throws HostAgentException {
        record("resume", vm.uuid(), token, () -> hypervisor.resume(vm, token));
    }

    @Override
    public void migrateOut(VmId vm, HostId target, FencingToken token) throws HostAgentException {
        record("migrateOut", vm, token, () -> hypervisor.migrateOut(vm, target, token));
    }

    @Override
    public void migrateIn(Vm vm, FencingToken token) throws HostAgentException {
        record("migrateIn", vm.uuid(), token, () -> hypervisor.migrateIn(vm, token));
    }

    @Override
    public Set<VmId> listRunning() {
        calls.add(new Call("listRunning", null, null, Thread.currentThread().getName()));
        try {
            listed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return hypervisor.listRunning();
    }

    @Override
    public void fence(FencingToken token) {
        hypervisor.fence(token);
    }

    @Override
    public void readmitted(FencingToken token) {
        hypervisor.readmitted(token);
    }
}
