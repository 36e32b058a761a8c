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
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A consistent, immutable copy of a pool's replicated state as of one log index. Maps are sorted by id.
 *
 * @param appliedIndex the log index this view reflects (an event token)
 * @param pool the pool object; empty on a member that is in no pool
 */
public record PoolView(
        long appliedIndex,
        Optional<Pool> pool,
        SortedMap<HostId, Host> hosts,
        SortedMap<VmId, Vm> vms,
        SortedMap<SrId, Sr> srs,
        SortedMap<PbdId, Pbd> pbds,
        SortedMap<VdiId, Vdi> vdis,
        SortedMap<VbdId, Vbd> vbds) {

    public PoolView {
        hosts = frozen(hosts);
        vms = frozen(vms);
        srs = frozen(srs);
        pbds = frozen(pbds);
        vdis = frozen(vdis);
        vbds = frozen(vbds);
    }

    private static <K, V> SortedMap<K, V> frozen(SortedMap<K, V> map) {
        return Collections.unmodifiableSortedMap(new TreeMap<>(map));
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
