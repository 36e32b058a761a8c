package io.poolkeeper.core.ha;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.Vbd;
import io.poolkeeper.api.model.Vdi;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.core.Rejection;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What planning needs from a {@link PoolState}, indexed once so that a plan costs O(VMs · hosts) rather than a scan of
 * the whole state per VM and host: the hosts that can fail (live hosts that run VMs, in id order), which of them take
 * VMs (enabled), their free memory, and the VMs to keep running with their memory, order group, affinity, the hosts
 * where every SR holding their disks is attached, and the host they occupy.
 *
 * <p>Immutable once built; {@link #placeVm} is the one placement rule every planner uses (affinity host if it fits,
 * else the fitting host with the most free memory, the lowest id on a tie), so a plan the failover check finds is the
 * plan the restart planner makes.
 */
final class PlanningPool {
    /** A VM's position: on no host, it must be placed before anything else is planned. */
    static final int UNPLACED = -1;

    final HostId[] hosts;
    /** Enabled: may receive VMs. Every host of {@link #hosts} may fail. */
    final boolean[] target;

    final long[] free;
    /** The VMs to keep running, in plan order (order group ascending, memory descending, id). */
    final PlanVm[] vms;
    /** Index into {@link #hosts}, or {@link #UNPLACED}, per VM of {@link #vms}. */
    final int[] placement;

    private final SrIndex srs;

    /**
     * A VM to keep running. {@code protect}: HA must keep it running (else best-effort). {@code fits} holds the host
     * indexes where all its SRs are attached.
     */
    record PlanVm(VmId id, boolean protect, long memory, long order, int affinity, BitSet fits, SortedSet<SrId> srs) {}

    /** A VM to keep and the host index it occupies (or {@link #UNPLACED}), before sorting. */
    private record Placed(PlanVm vm, int at) {}

    private PlanningPool(HostId[] hosts, boolean[] target, long[] free, PlanVm[] vms, int[] placement, SrIndex srs) {
        this.hosts = hosts;
        this.target = target;
        this.free = free;
        this.vms = vms;
        this.placement = placement;
        this.srs = srs;
    }

    /**
     * The pool as planning sees it: the VMs to keep running are those {@code protect} selects (HA's protected ones,
     * or a hypothetical set) and, as best-effort, those {@code bestEffort} selects; of those,
     * a VM occupies the host it is resident on or reserved on, and is unplaced when Halted or on a host that cannot
     * fail (not live, a witness) or in {@code failed}. Hosts in {@code failed} are left out, as if dead already.
     */
    static PlanningPool of(PoolState state, Predicate<Vm> protect, Predicate<Vm> bestEffort, Set<HostId> failed) {
        List<HostId> ids = new ArrayList<>();
        Map<HostId, Integer> index = new TreeMap<>();
        for (Host host : state.hosts().values()) {
            if (host.live() && host.role().runsVms() && !failed.contains(host.uuid())) {
                index.put(host.uuid(), ids.size());
                ids.add(host.uuid());
            }
        }
        int n = ids.size();
        boolean[] target = new boolean[n];
        long[] free = new long[n];
        for (int i = 0; i < n; i++) {
            Host host = state.hosts().get(ids.get(i));
            target[i] = host.enabled();
            free[i] = host.memoryTotal();
        }
        SrIndex srs = SrIndex.of(state, index);
        List<Placed> kept = new ArrayList<>(state.vms().size());
        for (Vm vm : state.vms().values()) {
            Integer resident =
                    vm.powerState().isLive() ? vm.residentOn().map(index::get).orElse(null) : null;
            Integer scheduled = vm.scheduledToBeResidentOn().map(index::get).orElse(null);
            if (resident != null) {
                free[resident] -= vm.memory();
            }
            if (scheduled != null && !scheduled.equals(resident)) {
                free[scheduled] -= vm.memory();
            }
            boolean isProtected = protect.test(vm);
            if (!isProtected && !bestEffort.test(vm)) {
                continue;
            }
            Integer at = scheduled != null ? scheduled : resident;
            if (at == null
                    && !(vm.powerState() == PowerState.HALTED || vm.powerState().isLive())) {
                continue; // Suspended: it keeps its state on disk and holds no memory
            }
            SortedSet<SrId> vmSrs = srs.srsOf(vm.uuid());
            int affinity = vm.affinity().map(index::get).orElse(UNPLACED);
            kept.add(new Placed(
                    new PlanVm(vm.uuid(), isProtected, vm.memory(), vm.order(), affinity, srs.fits(vmSrs, n), vmSrs),
                    at == null ? UNPLACED : at));
        }
        kept.sort(Comparator.comparing(Placed::vm, PLAN_ORDER));
        PlanVm[] vms = new PlanVm[kept.size()];
        int[] placement = new int[vms.length];
        for (int v = 0; v < vms.length; v++) {
            vms[v] = kept.get(v).vm();
            placement[v] = kept.get(v).at();
        }
        return new PlanningPool(ids.toArray(HostId[]::new), target, free, vms, placement, srs);
    }

    /** Restart order: lowest order group first, then biggest first (biggest-fit-decreasing), then id. */
    static final Comparator<PlanVm> PLAN_ORDER = Comparator.comparingLong(PlanVm::order)
            .thenComparing(Comparator.comparingLong(PlanVm::memory).reversed())
            .thenComparing(PlanVm::id);

    int hostCount() {
        return hosts.length;
    }

    /**
     * Where {@code vm} goes among the hosts {@code usable} given {@code free}: its affinity host if that fits, else
     * the fitting host with the most free memory, the lowest index on a tie; -1 if none fits.
     */
    static int placeVm(PlanVm vm, long[] free, boolean[] usable) {
        int a = vm.affinity();
        if (a >= 0 && usable[a] && vm.fits().get(a) && free[a] >= vm.memory()) {
            return a;
        }
        int best = -1;
        for (int h = vm.fits().nextSetBit(0); h >= 0; h = vm.fits().nextSetBit(h + 1)) {
            if (usable[h] && free[h] >= vm.memory() && (best < 0 || free[h] > free[best])) {
                best = h;
            }
        }
        return best;
    }

    /** Why {@code vm} found no host among {@code usable}: no host at all, an SR not attached, or not enough memory. */
    Rejection whyUnplaced(PlanVm vm, long[] free, boolean[] usable) {
        int roomiest = -1;
        for (int h = 0; h < usable.length; h++) {
            if (usable[h] && (roomiest < 0 || free[h] > free[roomiest])) {
                roomiest = h;
            }
        }
        if (roomiest < 0) {
            return Rejection.of(ErrorCode.NO_HOSTS_AVAILABLE, vm.id());
        }
        int fitting = -1;
        for (int h = vm.fits().nextSetBit(0); h >= 0; h = vm.fits().nextSetBit(h + 1)) {
            if (usable[h] && (fitting < 0 || free[h] > free[fitting])) {
                fitting = h;
            }
        }
        if (fitting < 0) {
            int host = roomiest;
            SrId missing = vm.srs().stream()
                    .filter(sr -> !srs.attached(sr, host))
                    .findFirst()
                    .orElseThrow();
            return Rejection.of(ErrorCode.VM_REQUIRES_SR, vm.id(), missing, hosts[host]);
        }
        return Rejection.of(ErrorCode.HOST_NOT_ENOUGH_FREE_MEMORY, hosts[fitting], vm.memory(), free[fitting]);
    }

    /** Which SRs are attached where, and which SRs hold each VM's disks: one pass over PBDs and one over VBDs. */
    private record SrIndex(Map<SrId, BitSet> attached, Map<VmId, SortedSet<SrId>> byVm, Map<String, BitSet> cache) {
        static SrIndex of(PoolState state, Map<HostId, Integer> index) {
            Map<SrId, BitSet> attached = new TreeMap<>();
            for (Pbd pbd : state.pbds().values()) {
                Integer h = index.get(pbd.host());
                if (pbd.currentlyAttached() && h != null) {
                    attached.computeIfAbsent(pbd.sr(), sr -> new BitSet()).set(h);
                }
            }
            Map<VmId, SortedSet<SrId>> byVm = new TreeMap<>();
            for (Vbd vbd : state.vbds().values()) {
                Vdi vdi = state.vdis().get(vbd.vdi());
                if (vdi != null) {
                    byVm.computeIfAbsent(vbd.vm(), vm -> new TreeSet<>()).add(vdi.sr());
                }
            }
            return new SrIndex(attached, byVm, new TreeMap<>());
        }

        SortedSet<SrId> srsOf(VmId vm) {
            return Optional.ofNullable(byVm.get(vm)).orElseGet(TreeSet::new);
        }

        boolean attached(SrId sr, int host) {
            BitSet on = attached.get(sr);
            return on != null && on.get(host);
        }

        /** Hosts where every SR of the set is attached; many VMs share a set, so each set is computed once. */
        BitSet fits(SortedSet<SrId> srs, int hostCount) {
            return cache.computeIfAbsent(srs.toString(), key -> {
                BitSet all = new BitSet(hostCount);
                all.set(0, hostCount);
                for (SrId sr : srs) {
                    all.and(attached.getOrDefault(sr, new BitSet()));
                }
                return all;
            });
        }
    }
}
