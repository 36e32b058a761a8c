package io.poolkeeper.rpc;

import io.poolkeeper.api.model.MemberRole;
import java.util.Optional;

/**
 * Member roles between the API and the wire. Both switches are exhaustive without a default, so a role added to one
 * enum and not the other fails to compile here rather than on a member or a client at run time ({@code FENCED} must
 * reach {@code host-get-role} as itself).
 */
final class RoleCodec {
    private RoleCodec() {}

    static io.poolkeeper.proto.MemberRole toProto(MemberRole role) {
        return switch (role) {
            case MASTER -> io.poolkeeper.proto.MemberRole.MASTER;
            case SLAVE -> io.poolkeeper.proto.MemberRole.SLAVE;
            case NO_MASTER -> io.poolkeeper.proto.MemberRole.NO_MASTER;
            case EMERGENCY -> io.poolkeeper.proto.MemberRole.EMERGENCY;
            case FENCED -> io.poolkeeper.proto.MemberRole.FENCED;
            case STANDALONE -> io.poolkeeper.proto.MemberRole.STANDALONE;
            case CLOSED -> io.poolkeeper.proto.MemberRole.CLOSED;
        };
    }

    /** The role a member reported; empty for none or one this version does not know (a newer member's). */
    static Optional<MemberRole> fromProto(io.poolkeeper.proto.MemberRole role) {
        return switch (role) {
            case MASTER -> Optional.of(MemberRole.MASTER);
            case SLAVE -> Optional.of(MemberRole.SLAVE);
            case NO_MASTER -> Optional.of(MemberRole.NO_MASTER);
            case EMERGENCY -> Optional.of(MemberRole.EMERGENCY);
            case FENCED -> Optional.of(MemberRole.FENCED);
            case STANDALONE -> Optional.of(MemberRole.STANDALONE);
            case CLOSED -> Optional.of(MemberRole.CLOSED);
            case MEMBER_ROLE_UNSPECIFIED, UNRECOGNIZED -> Optional.empty();
        };
    }
}
