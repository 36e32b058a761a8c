package io.poolkeeper.port;

import io.poolkeeper.api.model.MemberRole;
import java.util.Optional;

/**
 * What another member says of itself ({@code GetMemberStatus}), in domain terms.
 *
 * @param hostUuid the member's host
 * @param role its role
 * @param poolUuid its pool, empty when it is in none
 * @param generation its pool generation, 0 when in none
 * @param inEmergencyMode whether it is in emergency mode
 * @param masterAddress the service address of the master it knows of, if any
 * @param log the last entry of its Raft log
 * @param fenceComplete it is FENCED and its host agent's hard stop has returned: none of its VMs runs
 */
public record PeerStatus(
        String hostUuid,
        MemberRole role,
        String poolUuid,
        long generation,
        boolean inEmergencyMode,
        Optional<String> masterAddress,
        LogPosition log,
        boolean fenceComplete) {}
