package io.poolkeeper.ha;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.port.HaBeat;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;

/** The HA environment's calls, recorded: restarts complete when the test says, proposals commit at once. */
final class RecordingEnvironment implements HaEnvironment {
    final List<String> calls = new ArrayList<>();
    final List<CompletableFuture<Boolean>> starts = new ArrayList<>();

    @Override
    public CompletableFuture<Boolean> restart(VmId vm, Optional<HostId> on) {
        calls.add("restart " + vm + " on " + on.map(HostId::toString).orElse("any"));
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        starts.add(done);
        return done;
    }

    @Override
    public CompletableFuture<Void> propose(Operation operation) {
        calls.add(
                operation instanceof Operation.PoolAlert alert
                        ? "alert " + alert.code() + " " + alert.params().subList(0, 2)
                        : operation instanceof Operation.PoolSetHaPlan plan
                                ? "pool-set-ha-plan " + plan.planExistsFor() + " " + plan.overcommitted()
                                : operation.xeName());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public long nanos() {
        return 0;
    }

    @Override
    public PoolState state() {
        throw new UnsupportedOperationException();
    }

    @Override
    public HaView view() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void send(String address, HaBeat beat) {}

    @Override
    public void selfFence(String why) {}

    @Override
    public CompletableFuture<List<VmId>> declareFenced(HostId host) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<Void> removeVoter(HostId host) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<List<VmId>> refound(SortedSet<HostId> survivors, String why) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<List<VmId>> readmit(Host host) {
        throw new UnsupportedOperationException();
    }

    List<String> drain() {
        List<String> out = List.copyOf(calls);
        calls.clear();
        return out;
    }
}
