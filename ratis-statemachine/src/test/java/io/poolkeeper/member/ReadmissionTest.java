package io.poolkeeper.member;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.port.LogPosition;
import io.poolkeeper.port.PeerStatus;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which lost hosts the master's HA re-admission resets into its generation ({@link HaBridge#needsReset}). */
@Timeout(10)
class ReadmissionTest {
    private static final String POOL = "7f000000-0000-4000-8000-000000000001";
    private static final long MINE = 3;
    private static final Host HOST =
            new Host(new HostId(new UUID(4, 4)), "h4", "127.0.0.1:7430", true, false, 8L << 30, HostRole.VOTER);

    private static PeerStatus status(String host, MemberRole role, String pool, long generation) {
        return new PeerStatus(host, role, pool, generation, false, Optional.empty(), LogPosition.NONE, false);
    }

    private static PeerStatus status(MemberRole role, String pool, long generation) {
        return status(HOST.uuid().toString(), role, pool, generation);
    }

    @Test
    void aHostOfThePoolWithoutAMasterIsReset() {
        assertTrue(HaBridge.needsReset(status(MemberRole.FENCED, POOL, MINE), HOST, POOL, MINE));
        assertTrue(HaBridge.needsReset(status(MemberRole.NO_MASTER, POOL, MINE), HOST, POOL, MINE));
        assertTrue(HaBridge.needsReset(status(MemberRole.EMERGENCY, POOL, MINE), HOST, POOL, MINE));
        // Restarted into the group of an older generation: it has a master there, but not this pool's.
        assertTrue(HaBridge.needsReset(status(MemberRole.SLAVE, POOL, MINE - 1), HOST, POOL, MINE));
    }

    @Test
    void aHostWhoseJoinFailedIsAskedAgain() {
        // NemesisTest seed 58780521272406: Ratis closed the new group of a host re-admitted into generation 3 while
        // it caught up; its reset failed and left it in no pool, and it was never asked again.
        assertTrue(HaBridge.needsReset(status(MemberRole.STANDALONE, "", 0), HOST, POOL, MINE));
    }

    @Test
    void othersAreLeftAlone() {
        assertFalse(HaBridge.needsReset(status(MemberRole.SLAVE, POOL, MINE), HOST, POOL, MINE), "it has a master");
        assertFalse(HaBridge.needsReset(status(MemberRole.MASTER, POOL, MINE), HOST, POOL, MINE), "it is master");
        assertFalse(
                HaBridge.needsReset(status(MemberRole.FENCED, POOL, MINE + 1), HOST, POOL, MINE),
                "of a newer generation: this master is the stale one");
        assertFalse(
                HaBridge.needsReset(
                        status(MemberRole.FENCED, "7f000000-0000-4000-8000-000000000002", MINE), HOST, POOL, MINE),
                "of another pool");
        assertFalse(
                HaBridge.needsReset(status(new UUID(5, 5).toString(), MemberRole.STANDALONE, "", 0), HOST, POOL, MINE),
                "another host in no pool at the lost host's address");
    }
}
