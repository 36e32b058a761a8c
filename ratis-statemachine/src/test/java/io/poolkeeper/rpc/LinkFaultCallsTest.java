package io.poolkeeper.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.proto.LinkFaultRequest;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The member's answer to {@code InjectLinkFault}: refusals change nothing, the reply is the set after the call. */
@Timeout(10)
class LinkFaultCallsTest {
    private static final HostId SELF = HostId.of("00000001-0000-4000-8000-000000000000");
    private static final String A = "00000002-0000-4000-8000-000000000000";
    private static final String B = "00000003-0000-4000-8000-000000000000";

    private final InjectedLinkFaults faults = new InjectedLinkFaults(SELF);
    private final LinkFaultCalls calls = new LinkFaultCalls(SELF, Optional.of(faults));

    private static LinkFaultRequest request(boolean cut, String... hosts) {
        return LinkFaultRequest.newBuilder()
                .setCut(cut)
                .addAllFromHosts(List.of(hosts))
                .build();
    }

    @Test
    void aMemberWithoutFaultInjectionRefuses() {
        LinkFaultCalls disabled = new LinkFaultCalls(SELF, Optional.empty());

        PoolException e = assertThrows(PoolException.class, () -> disabled.apply(request(true, A)));

        assertEquals(ErrorCode.FAULT_INJECTION_DISABLED, e.code());
    }

    @Test
    void cutHealAndReadReplyTheSetAfterTheCall() {
        assertEquals(List.of(A, B), calls.apply(request(true, B, A)).getBlockedFromList());
        assertEquals(List.of(A, B), calls.apply(request(true)).getBlockedFromList(), "a cut of nothing reads");
        assertEquals(List.of(B), calls.apply(request(false, A)).getBlockedFromList());
        assertEquals(List.of(), calls.apply(request(false)).getBlockedFromList(), "a heal of nothing heals all");
    }

    @Test
    void aMalformedUuidIsRefusedAndNothingChanges() {
        calls.apply(request(true, A));

        PoolException e = assertThrows(PoolException.class, () -> calls.apply(request(true, B, "not-a-uuid")));

        assertEquals(ErrorCode.INVALID_VALUE, e.code());
        assertEquals(List.of("from_hosts", "not-a-uuid"), e.params());
        assertEquals(List.of(HostId.of(A)), faults.blockedFrom(), "B was not cut either");
        assertThrows(PoolException.class, () -> calls.apply(request(false, "")));
        assertEquals(List.of(HostId.of(A)), faults.blockedFrom());
    }

    @Test
    void cuttingTheMemberOffFromItselfIsRefused() {
        PoolException e = assertThrows(PoolException.class, () -> calls.apply(request(true, SELF.toString())));

        assertEquals(ErrorCode.INVALID_VALUE, e.code());
        assertEquals(List.of(), faults.blockedFrom());
    }
}
