package io.poolkeeper.rpc;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.proto.LinkFaultReply;
import io.poolkeeper.proto.LinkFaultRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The member's side of {@code InjectLinkFault} (test-only). A member started without fault injection refuses with
 * {@link ErrorCode#FAULT_INJECTION_DISABLED}; a request naming a malformed uuid, no host to cut, or this member itself
 * is refused with {@link ErrorCode#INVALID_VALUE}. A refused request changes nothing. A cut naming no host reads the
 * current set; a heal naming none heals every link. The reply lists the hosts dropped after the request.
 *
 * <p>Pool identity is checked around it like every call ({@link PoolIdentity}). Stateless, thread-safe.
 */
final class LinkFaultCalls {
    private final HostId self;
    private final Optional<InjectedLinkFaults> faults;

    LinkFaultCalls(HostId self, Optional<InjectedLinkFaults> faults) {
        this.self = self;
        this.faults = faults;
    }

    /**
     * Applies one request.
     *
     * @throws PoolException FAULT_INJECTION_DISABLED or INVALID_VALUE, nothing changed
     */
    LinkFaultReply apply(LinkFaultRequest request) {
        InjectedLinkFaults switches = faults.orElseThrow(() -> PoolException.of(
                ErrorCode.FAULT_INJECTION_DISABLED,
                List.of(self.toString()),
                "member " + self + " was started without fault injection"));
        List<HostId> hosts = hosts(request.getFromHostsList());
        List<HostId> now;
        if (request.getCut()) {
            now = hosts.isEmpty() ? switches.blockedFrom() : switches.cut(hosts);
        } else {
            now = hosts.isEmpty() ? switches.healAll() : switches.heal(hosts);
        }
        LinkFaultReply.Builder reply = LinkFaultReply.newBuilder();
        now.forEach(h -> reply.addBlockedFrom(h.toString()));
        return reply.build();
    }

    /** Every host named, parsed before anything changes. */
    private List<HostId> hosts(List<String> uuids) {
        List<HostId> hosts = new ArrayList<>();
        for (String uuid : uuids) {
            HostId host;
            try {
                host = HostId.of(uuid);
            } catch (IllegalArgumentException e) {
                throw invalid(uuid, "not a host uuid: '" + uuid + "'");
            }
            if (host.equals(self)) {
                // A member never sends to itself: such a cut would do nothing, so it is a mistake of the caller's.
                throw invalid(uuid, uuid + " is this member itself; name the hosts whose messages it should drop");
            }
            hosts.add(host);
        }
        return hosts;
    }

    private static PoolException invalid(String value, String message) {
        return PoolException.of(ErrorCode.INVALID_VALUE, List.of("from_hosts", value), "from_hosts: " + message);
    }
}
