package io.poolkeeper.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolRejectedException;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.proto.MemberStatus;
import io.poolkeeper.proto.PoolServiceProto;
import io.poolkeeper.proto.SubmitReply;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pool identity on the wire (DESIGN §8): every PoolService message can name a pool, and callers refuse answers of
 * another pool's member even when that member does not refuse their requests ({@link ForeignMember}).
 */
@Timeout(60)
class PoolIdentityTest {
    private static final String A = PoolId.random().toString();
    private static final String B = PoolId.random().toString();

    @Test
    void everyRequestAndReplyOfPoolServiceHasAPoolUuid() {
        List<MethodDescriptor> methods = PoolServiceProto.getDescriptor()
                .findServiceByName("PoolService")
                .getMethods();
        assertFalse(methods.isEmpty());
        for (MethodDescriptor method : methods) {
            for (var type : List.of(method.getInputType(), method.getOutputType())) {
                FieldDescriptor field = type.findFieldByName(PoolIdentity.FIELD);
                assertTrue(
                        field != null && field.getType() == FieldDescriptor.Type.STRING && !field.isRepeated(),
                        method.getName() + ": " + type.getName() + " has no string " + PoolIdentity.FIELD);
            }
        }
    }

    @Test
    void aCallerPinsTheFirstPoolItHearsAndRefusesAnyOther() {
        assertEquals(B, PoolIdentity.check("m:1", "", B));
        assertEquals("", PoolIdentity.check("m:1", "", ""));
        assertEquals(A, PoolIdentity.check("m:1", A, A));
        PoolException other = assertThrows(PoolException.class, () -> PoolIdentity.check("m:1", A, B));
        assertEquals(ErrorCode.POOL_MISMATCH, other.code());
        assertEquals(List.of("m:1", A, B), other.params());
        assertTrue(other.getMessage().contains("m:1 serves pool " + B), other.getMessage());
        PoolException none = assertThrows(PoolException.class, () -> PoolIdentity.check("m:1", A, ""));
        assertTrue(none.getMessage().contains("m:1 is in no pool"), none.getMessage());

        // A member refuses only a request naming another pool; a member in no pool refuses none.
        assertFalse(PoolIdentity.foreign("", B));
        assertFalse(PoolIdentity.foreign(A, A));
        assertFalse(PoolIdentity.foreign(A, ""));
        assertTrue(PoolIdentity.foreign(A, B));
    }

    @Test
    void namingSetsThePoolOnlyWhereNoneIsNamed() {
        SubmitReply empty = SubmitReply.getDefaultInstance();
        assertEquals(A, PoolIdentity.of(PoolIdentity.naming(empty, A)));
        assertEquals(
                B,
                PoolIdentity.of(
                        PoolIdentity.naming(empty.toBuilder().setPoolUuid(B).build(), A)));
        assertEquals("", PoolIdentity.of(PoolIdentity.naming(empty, "")));
        assertEquals("", PoolIdentity.of(io.poolkeeper.proto.PoolCommand.getDefaultInstance()));
    }

    @Test
    void aClientPinnedToAPoolRefusesTheAnswersOfAnotherPoolsMember() {
        try (ForeignMember foreign = new ForeignMember(B);
                GrpcPoolClient client = GrpcPoolClient.builder()
                        .insecure()
                        .members(List.of(foreign.address()))
                        .poolUuid(PoolId.of(A))
                        .requestTimeout(Duration.ofSeconds(5))
                        .build()) {
            PoolRejectedException refused = assertThrows(
                    PoolRejectedException.class, () -> client.pool().blocking().createVm(VmSpec.of("x", 1L << 30, 1)));
            assertEquals(ErrorCode.POOL_MISMATCH, refused.code());
            assertTrue(refused.getMessage().contains(foreign.address() + " serves pool " + B), refused.getMessage());
            assertEquals(List.of(A), foreign.requestedPools, "the request named the client's pool");

            PoolException status = assertThrows(PoolException.class, () -> client.statusOf(foreign.address()));
            assertEquals(ErrorCode.POOL_MISMATCH, status.code());
            assertEquals(Optional.of(PoolId.of(A)), client.poolUuid());
        }
    }

    @Test
    void anUnpinnedClientPinsThePoolOfTheFirstMemberThatAnswers() {
        try (ForeignMember first = new ForeignMember(B);
                ForeignMember other = new ForeignMember(A);
                GrpcPoolClient client = GrpcPoolClient.builder()
                        .insecure()
                        .members(List.of(first.address(), other.address()))
                        .requestTimeout(Duration.ofSeconds(5))
                        .build()) {
            assertEquals(Optional.empty(), client.poolUuid());
            assertEquals(
                    ForeignMember.GENERATION, client.statusOf(first.address()).getGeneration());
            assertEquals(Optional.of(PoolId.of(B)), client.poolUuid());
            PoolException refused = assertThrows(PoolException.class, () -> client.statusOf(other.address()));
            assertEquals(ErrorCode.POOL_MISMATCH, refused.code());
            assertEquals(List.of(B), other.requestedPools, "requests name the pinned pool from then on");
        }
    }

    @Test
    void aConnectionToOneMemberChecksItsPool() {
        try (ForeignMember foreign = new ForeignMember(B)) {
            try (RemoteMember pinned =
                    RemoteMember.connect(foreign.address(), TransportSecurity.insecure(), A, Duration.ofSeconds(5))) {
                PoolException refused = assertThrows(PoolException.class, pinned::status);
                assertEquals(ErrorCode.POOL_MISMATCH, refused.code());
            }
            try (RemoteMember firstContact =
                    RemoteMember.connect(foreign.address(), TransportSecurity.insecure(), Duration.ofSeconds(5))) {
                MemberStatus status = firstContact.status();
                assertEquals(B, status.getPoolUuid());
                assertEquals(B, firstContact.pool());
            }
        }
    }
}
