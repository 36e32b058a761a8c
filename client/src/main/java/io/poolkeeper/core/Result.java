package io.poolkeeper.core;

import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.VmId;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/** What a successfully applied command returns to its caller. Values; replicated with the request window. */
public sealed interface Result {

    /** No value. */
    record Done() implements Result {}

    /** The host a VM start, resume or migrate was placed on. */
    record Placed(HostId host) implements Result {
        public Placed {
            Objects.requireNonNull(host, "host");
        }
    }

    /** Where each VM of an evacuation is migrating to. */
    record Evacuation(SortedMap<VmId, HostId> moves) implements Result {
        public Evacuation {
            moves = Collections.unmodifiableSortedMap(new TreeMap<>(moves));
        }
    }

    /** The VMs a host-forget or host-declare-dead marked Halted, in id order. */
    record VmsHalted(List<VmId> vms) implements Result {
        public VmsHalted {
            vms = List.copyOf(vms);
        }
    }

    /** The role a joining host was given. */
    record Joined(HostRole role) implements Result {
        public Joined {
            Objects.requireNonNull(role, "role");
        }
    }

    /** When the join token a {@code pool-join-token-create} issued expires, in pool time. */
    record JoinTokenCreated(long expiresAtMillis) implements Result {}

    Done DONE = new Done();
}
