package io.poolkeeper.metrics;

import io.micrometer.core.instrument.Timer;
import io.poolkeeper.api.FencingToken;
import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.HostAgentException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import java.util.Set;

/**
 * A {@link HostAgent} that times every call to the embedder's agent, by call and outcome (a call that throws is a
 * failure), and otherwise passes it through unchanged: same thread, same answer, same exception.
 */
final class MeteredHostAgent implements HostAgent {
    private interface Call<T> {
        T run() throws HostAgentException;
    }

    private final HostAgent agent;
    private final MemberMetrics metrics;

    MeteredHostAgent(HostAgent agent, MemberMetrics metrics) {
        this.agent = agent;
        this.metrics = metrics;
    }

    private <T> T timed(String call, Call<T> body) throws HostAgentException {
        Timer.Sample sample = metrics.startTimer();
        boolean ok = false;
        try {
            T answer = body.run();
            ok = true;
            return answer;
        } finally {
            metrics.agentCall(call, sample, ok);
        }
    }

    private <T> T unchecked(String call, Call<T> body) {
        try {
            return timed(call, body);
        } catch (HostAgentException e) {
            // Only the checked calls throw it; the unchecked ones cannot reach here with it.
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void start(Vm vm, boolean paused, FencingToken token) throws HostAgentException {
        timed("start", () -> {
            agent.start(vm, paused, token);
            return null;
        });
    }

    @Override
    public void stop(VmId vm, boolean hard, FencingToken token) throws HostAgentException {
        timed("stop", () -> {
            agent.stop(vm, hard, token);
            return null;
        });
    }

    @Override
    public void reboot(VmId vm, boolean hard, FencingToken token) throws HostAgentException {
        timed("reboot", () -> {
            agent.reboot(vm, hard, token);
            return null;
        });
    }

    @Override
    public void pause(VmId vm, FencingToken token) throws HostAgentException {
        timed("pause", () -> {
            agent.pause(vm, token);
            return null;
        });
    }

    @Override
    public void unpause(VmId vm, FencingToken token) throws HostAgentException {
        timed("unpause", () -> {
            agent.unpause(vm, token);
            return null;
        });
    }

    @Override
    public void suspend(VmId vm, FencingToken token) throws HostAgentException {
        timed("suspend", () -> {
            agent.suspend(vm, token);
            return null;
        });
    }

    @Override
    public void resume(Vm vm, FencingToken token) throws HostAgentException {
        timed("resume", () -> {
            agent.resume(vm, token);
            return null;
        });
    }

    @Override
    public void migrateOut(VmId vm, HostId target, FencingToken token) throws HostAgentException {
        timed("migrate_out", () -> {
            agent.migrateOut(vm, target, token);
            return null;
        });
    }

    @Override
    public void migrateIn(Vm vm, FencingToken token) throws HostAgentException {
        timed("migrate_in", () -> {
            agent.migrateIn(vm, token);
            return null;
        });
    }

    @Override
    public Set<VmId> listRunning() {
        return unchecked("list_running", agent::listRunning);
    }

    @Override
    public void fence(FencingToken token) {
        unchecked("fence", () -> {
            agent.fence(token);
            return null;
        });
    }

    @Override
    public void readmitted(FencingToken token) {
        unchecked("readmitted", () -> {
            agent.readmitted(token);
            return null;
        });
    }
}
