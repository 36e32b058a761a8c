package io.poolkeeper.core;

import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.Sr;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.VbdId;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.VdiId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.pcollections.TreePMap;

/**
 * The replicated state of one pool: immutable, with persistent sorted maps so that an update shares structure
 * with the state before it and every iteration is in id order (deterministic on every replica and JVM).
 *
 * <p>Thread-safe by immutability: readers may hold any version while the apply thread moves on.
 *
 * @param pool the pool object; empty on a member in no pool
 * @param joinTokens the join tokens by id (with the hash of their secret; reads leave the hash out)
 * @param requests the recently applied request ids, for de-duplication
 * @param staged an emergency import being received in chunks ({@link StagedImport}): never visible through the
 *     maps above, and empty whenever a pool exists
 */
public record PoolState(
        Optional<Pool> pool,
        TreePMap<HostId, Host> hosts,
        TreePMap<VmId, Vm> vms,
        TreePMap<SrId, Sr> srs,
        TreePMap<PbdId, Pbd> pbds,
        TreePMap<VdiId, Vdi> vdis,
        TreePMap<VbdId, Vbd> vbds,
        TreePMap<String, JoinToken> joinTokens,
        AppliedRequests requests,
        Optional<StagedImport> staged) {

    public PoolState {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(hosts, "hosts");
        Objects.requireNonNull(vms, "vms");
        Objects.requireNonNull(srs, "srs");
        Objects.requireNonNull(pbds, "pbds");
        Objects.requireNonNull(vdis, "vdis");
        Objects.requireNonNull(vbds, "vbds");
        Objects.requireNonNull(joinTokens, "joinTokens");
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(staged, "staged");
    }

    /** A state with no import staged: what snapshots and reads hold. */
    public PoolState(
            Optional<Pool> pool,
            TreePMap<HostId, Host> hosts,
            TreePMap<VmId, Vm> vms,
            TreePMap<SrId, Sr> srs,
            TreePMap<PbdId, Pbd> pbds,
            TreePMap<VdiId, Vdi> vdis,
            TreePMap<VbdId, Vbd> vbds,
            TreePMap<String, JoinToken> joinTokens,
            AppliedRequests requests) {
        this(pool, hosts, vms, srs, pbds, vdis, vbds, joinTokens, requests, Optional.empty());
    }

    /** The state of a member that belongs to no pool. */
    public static PoolState empty() {
        return new PoolState(
                Optional.empty(),
                TreePMap.empty(),
                TreePMap.empty(),
                TreePMap.empty(),
                TreePMap.empty(),
                TreePMap.empty(),
                TreePMap.empty(),
                TreePMap.empty(),
                AppliedRequests.empty());
    }

    /** The pool object; only called where a pool is known to exist. */
    public Pool requirePool() {
        return pool.orElseThrow(() -> new IllegalStateException("no pool"));
    }

    // --- withers

    public PoolState withPool(Pool newPool) {
        return new PoolState(Optional.of(newPool), hosts, vms, srs, pbds, vdis, vbds, joinTokens, requests, staged);
    }

    public PoolState withHost(Host host) {
        return new PoolState(
                pool, hosts.plus(host.uuid(), host), vms, srs, pbds, vdis, vbds, joinTokens, requests, staged);
    }

    public PoolState withoutHost(HostId id) {
        return new PoolState(pool, hosts.minus(id), vms, srs, pbds, vdis, vbds, joinTokens, requests, staged);
    }

    public PoolState withVm(Vm vm) {
        return new PoolState(pool, hosts, vms.plus(vm.uuid(), vm), srs, pbds, vdis, vbds, joinTokens, requests, staged);
    }

    public PoolState withoutVm(VmId id) {
        return new PoolState(pool, hosts, vms.minus(id), srs, pbds, vdis, vbds, joinTokens, requests, staged);
    }

    public PoolState withSr(Sr sr) {
        return new PoolState(pool, hosts, vms, srs.plus(sr.uuid(), sr), pbds, vdis, vbds, joinTokens, requests, staged);
    }

    public PoolState withoutSr(SrId id) {
        return new PoolState(pool, hosts, vms, srs.minus(id), pbds, vdis, vbds, joinTokens, requests, staged);
    }

    public PoolState withPbd(Pbd pbd) {
        return new PoolState(
                pool, hosts, vms, srs, pbds.plus(pbd.uuid(), pbd), vdis, vbds, joinTokens, requests, staged);
    }

    public PoolState withoutPbd(PbdId id) {
        return new PoolState(pool, hosts, vms, srs, pbds.minus(id), vdis, vbds, joinTokens, requests, staged);
    }

    public PoolState withVdi(Vdi vdi) {
        return new PoolState(
                pool, hosts, vms, srs, pbds, vdis.plus(vdi.uuid(), vdi), vbds, joinTokens, requests, staged);
    }

    public PoolState withoutVdi(VdiId id) {
        return new PoolState(pool, hosts, vms, srs, pbds, vdis.minus(id), vbds, joinTokens, requests, staged);
    }

    public PoolState withVbd(Vbd vbd) {
        return new PoolState(
                pool, hosts, vms, srs, pbds, vdis, vbds.plus(vbd.uuid(), vbd), joinTokens, requests, staged);
    }

    public PoolState withoutVbd(VbdId id) {
        return new PoolState(pool, hosts, vms, srs, pbds, vdis, vbds.minus(id), joinTokens, requests, staged);
    }

    public PoolState withRequests(AppliedRequests newRequests) {
        return new PoolState(pool, hosts, vms, srs, pbds, vdis, vbds, joinTokens, newRequests, staged);
    }

    /** This state with {@code tokens} as its join tokens. */
    public PoolState withJoinTokens(TreePMap<String, JoinToken> tokens) {
        return new PoolState(pool, hosts, vms, srs, pbds, vdis, vbds, tokens, requests, staged);
    }

    /** This state with {@code newStaged} as its staged import. */
    public PoolState withStaged(Optional<StagedImport> newStaged) {
        return new PoolState(pool, hosts, vms, srs, pbds, vdis, vbds, joinTokens, requests, newStaged);
    }

    // --- derived views (all in id order)

    /** VMs that hold memory on {@code host}: resident there and live, or reserved there by an operation. */
    public Stream<Vm> vmsUsing(HostId host) {
        return vms.values().stream()
                .filter(vm -> (vm.powerState().isLive() && vm.residentOn().equals(Optional.of(host)))
                        || vm.scheduledToBeResidentOn().equals(Optional.of(host)));
    }

    /** VMs Running or Paused on {@code host}. */
    public Stream<Vm> residentVms(HostId host) {
        return vms.values().stream()
                .filter(vm -> vm.powerState().isLive() && vm.residentOn().equals(Optional.of(host)));
    }

    /** Bytes of memory on {@code host} not used or reserved by VMs. */
    public long freeMemory(Host host) {
        long used = vmsUsing(host.uuid()).mapToLong(Vm::memory).sum();
        return host.memoryTotal() - used;
    }

    /** The VBDs of {@code vm}. */
    public Stream<Vbd> vbdsOf(VmId vm) {
        return vbds.values().stream().filter(vbd -> vbd.vm().equals(vm));
    }

    /** The SRs holding the disks of {@code vm}, in id order. */
    public SortedSet<SrId> srsOf(VmId vm) {
        SortedSet<SrId> result = new TreeSet<>();
        vbdsOf(vm).map(vbd -> vdis.get(vbd.vdi())).filter(Objects::nonNull).forEach(vdi -> result.add(vdi.sr()));
        return result;
    }

    /** Whether {@code sr} is plugged on {@code host}. */
    public boolean isAttached(SrId sr, HostId host) {
        return pbds.values().stream()
                .anyMatch(pbd -> pbd.sr().equals(sr) && pbd.host().equals(host) && pbd.currentlyAttached());
    }

    /** Hosts that vote (voters and witnesses). */
    public long voterCount() {
        return hosts.values().stream().filter(h -> h.role().votes()).count();
    }

    /** Whether {@code host} is the recorded master. */
    public boolean isMaster(HostId host) {
        return pool.flatMap(Pool::master).equals(Optional.of(host));
    }

    /** Whether any host of the pool is a listener that could be promoted to voter. */
    public Optional<Host> firstListener() {
        return hosts.values().stream()
                .filter(h -> h.role() == HostRole.LISTENER)
                .findFirst();
    }

    /** The state a view shows (without request ids or join tokens): for pure computations over a read, such as HA planning. */
    public static PoolState fromView(PoolView view) {
        return new PoolState(
                view.pool(),
                TreePMap.fromSortedMap(view.hosts()),
                TreePMap.fromSortedMap(view.vms()),
                TreePMap.fromSortedMap(view.srs()),
                TreePMap.fromSortedMap(view.pbds()),
                TreePMap.fromSortedMap(view.vdis()),
                TreePMap.fromSortedMap(view.vbds()),
                TreePMap.empty(),
                AppliedRequests.empty());
    }

    /** The API view of this state at {@code appliedIndex}; join tokens show their id and expiry only. */
    public PoolView toView(long appliedIndex) {
        return new PoolView(
                appliedIndex,
                pool,
                hosts,
                vms,
                srs,
                pbds,
                vdis,
                vbds,
                joinTokens.values().stream().map(JoinToken::info).toList());
    }
}
