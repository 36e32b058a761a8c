package io.poolkeeper.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poolkeeper.api.model.MemberRole;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every member role crosses the wire as itself, FENCED included; an unknown one is no role. */
@Timeout(10)
class RoleCodecTest {
    @ParameterizedTest
    @EnumSource(MemberRole.class)
    void everyRoleRoundTripsUnderItsOwnName(MemberRole role) {
        io.poolkeeper.proto.MemberRole wire = RoleCodec.toProto(role);

        assertEquals(role.name(), wire.name());
        assertEquals(Optional.of(role), RoleCodec.fromProto(wire));
    }

    @Test
    void anUnspecifiedOrUnknownRoleIsNone() {
        assertEquals(Optional.empty(), RoleCodec.fromProto(io.poolkeeper.proto.MemberRole.MEMBER_ROLE_UNSPECIFIED));
        assertEquals(Optional.empty(), RoleCodec.fromProto(io.poolkeeper.proto.MemberRole.UNRECOGNIZED));
    }

    @Test
    void aPeerReportingAnUnknownRoleCountsAsStandalone() {
        io.poolkeeper.proto.MemberStatus newer =
                io.poolkeeper.proto.MemberStatus.newBuilder().setRoleValue(99).build();

        assertEquals(MemberRole.STANDALONE, GrpcPeerLink.status(newer).role());
    }
}
