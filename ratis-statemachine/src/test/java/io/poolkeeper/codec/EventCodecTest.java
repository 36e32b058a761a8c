package io.poolkeeper.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolEvent;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Events cross the wire unchanged; one of a kind this version does not know arrives as an alert. */
@Timeout(10)
class EventCodecTest {
    @ParameterizedTest
    @EnumSource(PoolEvent.Kind.class)
    void everyKindRoundTrips(PoolEvent.Kind kind) {
        TreeMap<String, String> params = new TreeMap<>();
        params.put("host", "00000002-0000-4000-8000-000000000000");
        PoolEvent event = new PoolEvent(
                42,
                kind,
                "host-fenced",
                params,
                kind == PoolEvent.Kind.REJECTED ? Optional.of(ErrorCode.HA_NOT_ENABLED) : Optional.empty());

        assertEquals(event, EventCodec.fromProto(EventCodec.toProto(event)));
    }

    @Test
    void anUnknownOrUnspecifiedKindIsAnAlert() {
        io.poolkeeper.proto.PoolEvent newer = io.poolkeeper.proto.PoolEvent.newBuilder()
                .setToken(7)
                .setKindValue(99)
                .setName("SOMETHING_NEW")
                .build();

        assertEquals(PoolEvent.Kind.ALERT, EventCodec.fromProto(newer).kind());
        assertEquals(
                PoolEvent.Kind.ALERT,
                EventCodec.fromProto(io.poolkeeper.proto.PoolEvent.getDefaultInstance())
                        .kind());
    }
}
