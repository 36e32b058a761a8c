package io.poolkeeper.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.port.Heartbeat;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A heartbeat answered by a member of another pool fails: its newer generation and its "not known" would otherwise
 * make the sender stale or leave its own pool.
 */
@Timeout(60)
class PeerLinkIdentityTest {
    private static final String A = PoolId.random().toString();
    private static final String B = PoolId.random().toString();

    @Test
    void aHeartbeatAnsweredByAnotherPoolsMemberFails() throws Exception {
        try (ForeignMember foreign = new ForeignMember(B);
                GrpcPeerLink peers =
                        new GrpcPeerLink("00000001-0000-4000-8000-000000000000", TransportSecurity.insecure())) {
            Heartbeat request = new Heartbeat("00000001-0000-4000-8000-000000000000", A, 1, false);
            ExecutionException failed = assertThrows(
                    ExecutionException.class, () -> peers.heartbeat(foreign.address(), request, Duration.ofSeconds(5))
                            .get(10, TimeUnit.SECONDS));
            PoolException mismatch = assertInstanceOf(PoolException.class, failed.getCause());
            assertEquals(ErrorCode.POOL_MISMATCH, mismatch.code());
            assertEquals(List.of(A), foreign.requestedPools, "the heartbeat named the sender's pool");

            // A sender in no pool yet names none and takes the answer.
            assertEquals(
                    ForeignMember.GENERATION,
                    peers.heartbeat(
                                    foreign.address(),
                                    new Heartbeat("00000001-0000-4000-8000-000000000000", "", 1, false),
                                    Duration.ofSeconds(5))
                            .get(10, TimeUnit.SECONDS)
                            .generation());
        }
    }
}
