package io.poolkeeper.http;

import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.Pbd;
import io.poolkeeper.api.model.Pool;
import io.poolkeeper.api.model.Sr;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmOperation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The document {@code GET /api/status} answers, built from one member's own copy of the pool (a {@code LOCAL} read,
 * so it works without a master) and what the member says of itself. Records serialize as JSON objects with these
 * field names (Gson); an absent value is {@code null}.
 */
final class StatusJson {
    private StatusJson() {}

    /** The whole page. */
    record Status(
            Member servedBy,
            PoolInfo pool,
            long appliedIndex,
            List<String> alerts,
            List<HostRow> hosts,
            List<VmRow> vms,
            List<SrRow> srs,
            List<EventRow> alertEvents,
            List<EventRow> events) {}

    /** The member serving the page, as it sees itself. */
    record Member(
            String hostUuid,
            String nameLabel,
            String serviceAddress,
            String role,
            boolean emergency,
            long generation) {}

    record PoolInfo(
            String uuid,
            String nameLabel,
            String master,
            String masterName,
            long generation,
            boolean haEnabled,
            long haTimeoutSeconds,
            int haHostFailuresToTolerate,
            int haPlanExistsFor,
            boolean haOvercommitted,
            String defaultSr) {}

    /**
     * A host. {@code status} is the one word the page colours: {@code MASTER}, {@code SLAVE}, {@code FENCED} (HA
     * recorded it fenced, or it is the serving member and fenced itself) or {@code DEAD} (not live); {@code haState}
     * is {@code OFF} without HA, else {@code ARMED}, {@code FENCED} or {@code DEAD}. {@code memberRole} is known only
     * for the serving member.
     */
    record HostRow(
            String uuid,
            String nameLabel,
            String address,
            String poolRole,
            String quorumRole,
            boolean live,
            boolean enabled,
            String haState,
            String status,
            String memberRole,
            long memoryTotal,
            boolean servingThisPage) {}

    record VmRow(
            String uuid,
            String nameLabel,
            String powerState,
            String residentOn,
            String residentOnName,
            String haRestartPriority,
            boolean haProtected,
            String currentOperation) {}

    record SrRow(
            String uuid, String nameLabel, String type, boolean shared, boolean isDefault, List<String> attachedOn) {}

    record EventRow(long token, String kind, String name, Map<String, String> params, String rejectedWith) {}

    static Status of(
            PoolView view,
            HostId self,
            String selfAddress,
            MemberRole selfRole,
            boolean emergency,
            long generation,
            EventFeed feed) {
        Set<String> live = view.hosts().values().stream()
                .filter(Host::live)
                .map(h -> h.uuid().toString())
                .collect(Collectors.toSet());
        Set<String> fenced = feed.fenced(live);
        Optional<Pool> pool = view.pool();
        Optional<HostId> master = pool.flatMap(Pool::master);
        boolean ha = pool.map(Pool::haEnabled).orElse(false);
        List<HostRow> hosts = new ArrayList<>();
        for (Host h : view.hosts().values()) {
            boolean isSelf = h.uuid().equals(self);
            boolean isFenced = fenced.contains(h.uuid().toString()) || (isSelf && selfRole == MemberRole.FENCED);
            String poolRole = master.filter(h.uuid()::equals).isPresent() ? "MASTER" : "SLAVE";
            String status = isFenced ? "FENCED" : !h.live() ? "DEAD" : poolRole;
            String haState = !ha ? "OFF" : isFenced ? "FENCED" : h.live() ? "ARMED" : "DEAD";
            hosts.add(new HostRow(
                    h.uuid().toString(),
                    h.nameLabel(),
                    h.address(),
                    poolRole,
                    h.role().name(),
                    h.live(),
                    h.enabled(),
                    haState,
                    status,
                    isSelf ? selfRole.name() : null,
                    h.memoryTotal(),
                    isSelf));
        }
        List<VmRow> vms =
                view.vms().values().stream().map(vm -> vmRow(view, vm)).toList();
        List<SrRow> srs = view.srs().values().stream()
                .map(sr -> srRow(view, sr, pool.flatMap(Pool::defaultSr)))
                .toList();
        String selfName = view.host(self).map(Host::nameLabel).orElse(self.toString());
        return new Status(
                new Member(self.toString(), selfName, selfAddress, selfRole.name(), emergency, generation),
                pool.map(p -> new PoolInfo(
                                p.uuid().toString(),
                                p.nameLabel(),
                                p.master().map(Object::toString).orElse(null),
                                p.master()
                                        .flatMap(view::host)
                                        .map(Host::nameLabel)
                                        .orElse(null),
                                p.generation(),
                                p.haEnabled(),
                                p.haTimeout().toSeconds(),
                                p.haHostFailuresToTolerate(),
                                p.haPlanExistsFor(),
                                p.haOvercommitted(),
                                p.defaultSr().map(Object::toString).orElse(null)))
                        .orElse(null),
                view.appliedIndex(),
                view.alerts().stream().map(Enum::name).toList(),
                hosts,
                vms,
                srs,
                feed.alerts().stream().map(StatusJson::eventRow).toList(),
                feed.latest().stream().map(StatusJson::eventRow).toList());
    }

    private static VmRow vmRow(PoolView view, Vm vm) {
        return new VmRow(
                vm.uuid().toString(),
                vm.nameLabel(),
                vm.powerState().name(),
                vm.residentOn().map(Object::toString).orElse(null),
                vm.residentOn().flatMap(view::host).map(Host::nameLabel).orElse(null),
                vm.haRestartPriority().name(),
                vm.isProtected(),
                vm.currentOperation().map(VmOperation::xapiName).orElse(null));
    }

    private static SrRow srRow(PoolView view, Sr sr, Optional<?> defaultSr) {
        List<String> attachedOn = view.pbds().values().stream()
                .filter(p -> p.sr().equals(sr.uuid()) && p.currentlyAttached())
                .map(Pbd::host)
                .map(h -> view.host(h).map(Host::nameLabel).orElse(h.toString()))
                .toList();
        return new SrRow(
                sr.uuid().toString(),
                sr.nameLabel(),
                sr.type(),
                sr.shared(),
                defaultSr.filter(sr.uuid()::equals).isPresent(),
                attachedOn);
    }

    static EventRow eventRow(PoolEvent e) {
        return new EventRow(
                e.token(),
                e.kind().name(),
                e.name(),
                e.params(),
                e.rejectedWith().map(Enum::name).orElse(null));
    }
}
