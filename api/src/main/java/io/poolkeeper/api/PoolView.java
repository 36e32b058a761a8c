package io.poolkeeper.api;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
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
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A consistent, immutable copy of a pool's replicated state as of one point of its history. Maps are sorted by id.
 *
 * @param appliedIndex the pool sequence this view reflects: the count of commands applied, the {@link
 *     PoolEvent#token()} of the last one (the numbering {@link FencingToken#sequence()} uses too)
 * @param pool the pool object; empty on a member that is in no pool
 * @param joinTokens the pool's join tokens in id order, without their secrets
 */
public record PoolView(
        long appliedIndex,
        Optional<Pool> pool,
        SortedMap<HostId, Host> hosts,
        SortedMap<VmId, Vm> vms,
        SortedMap<SrId, Sr> srs,
        SortedMap<PbdId, Pbd> pbds,
        SortedMap<VdiId, Vdi> vdis,
        SortedMap<VbdId, Vbd> vbds,
        List<JoinTokenInfo> joinTokens) {

    public PoolView {
        joinTokens = List.copyOf(joinTokens);
        hosts = frozen(hosts);
        vms = frozen(vms);
        srs = frozen(srs);
        pbds = frozen(pbds);
        vdis = frozen(vdis);
        vbds = frozen(vbds);
    }

    /** A view without join tokens. */
    public PoolView(
            long appliedIndex,
            Optional<Pool> pool,
            SortedMap<HostId, Host> hosts,
            SortedMap<VmId, Vm> vms,
            SortedMap<SrId, Sr> srs,
            SortedMap<PbdId, Pbd> pbds,
            SortedMap<VdiId, Vdi> vdis,
            SortedMap<VbdId, Vbd> vbds) {
        this(appliedIndex, pool, hosts, vms, srs, pbds, vdis, vbds, List.of());
    }

    private static <K, V> SortedMap<K, V> frozen(SortedMap<K, V> map) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(map));
    }

    /**
     * The alerts that hold for this state, for {@code pool-param-list}: {@link ErrorCode#DEFAULT_SR_INVALID} when the
     * pool's default SR is unset, gone, or not attached where it must be (on every live host for a shared SR, on
     * some live host for a local one) — the check the seed asks for after every transition to master.
     */
    public List<ErrorCode> alerts() {
        return pool.isPresent() && !defaultSrValid() ? List.of(ErrorCode.DEFAULT_SR_INVALID) : List.of();
    }

    private boolean defaultSrValid() {
        Optional<Sr> sr = pool.flatMap(Pool::defaultSr).map(srs::get);
        if (sr.isEmpty()) {
            return false;
        }
        List<HostId> live =
                hosts.values().stream().filter(Host::live).map(Host::uuid).toList();
        List<HostId> attached = pbds.values().stream()
                .filter(p -> p.sr().equals(sr.get().uuid()) && p.currentlyAttached())
                .map(Pbd::host)
                .toList();
        return sr.get().shared() ? attached.containsAll(live) : live.stream().anyMatch(attached::contains);
    }

    /** The host with this id, if it is in the pool. */
    public Optional<Host> host(HostId id) {
        return Optional.ofNullable(hosts.get(id));
    }

    /** The VM with this id, if it exists. */
    public Optional<Vm> vm(VmId id) {
        return Optional.ofNullable(vms.get(id));
    }
}
