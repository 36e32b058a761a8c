package io.poolkeeper.codec;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolEvent;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Pool events between the API and the wire (and a member's event journal on disk). Kinds map through exhaustive switches; a kind this version does not know
 * (a newer member's) arrives as an alert rather than an exception that would break the client's event stream.
 */
public final class EventCodec {
    private EventCodec() {}

    public static io.poolkeeper.proto.PoolEvent toProto(PoolEvent event) {
        return io.poolkeeper.proto.PoolEvent.newBuilder()
                .setToken(event.token())
                .setKind(
                        switch (event.kind()) {
                            case CHANGE -> io.poolkeeper.proto.PoolEvent.Kind.CHANGE;
                            case REJECTED -> io.poolkeeper.proto.PoolEvent.Kind.REJECTED;
                            case ALERT -> io.poolkeeper.proto.PoolEvent.Kind.ALERT;
                        })
                .setName(event.name())
                .putAllParams(event.params())
                .setRejectedWith(event.rejectedWith().map(ErrorCode::name).orElse(""))
                .build();
    }

    public static PoolEvent fromProto(io.poolkeeper.proto.PoolEvent event) {
        PoolEvent.Kind kind =
                switch (event.getKind()) {
                    case CHANGE -> PoolEvent.Kind.CHANGE;
                    case REJECTED -> PoolEvent.Kind.REJECTED;
                    case ALERT, KIND_UNSPECIFIED, UNRECOGNIZED -> PoolEvent.Kind.ALERT;
                };
        return new PoolEvent(
                event.getToken(),
                kind,
                event.getName(),
                new TreeMap<>(event.getParamsMap()),
                event.getRejectedWith().isEmpty()
                        ? Optional.empty()
                        : Optional.of(ErrorCode.fromName(event.getRejectedWith())));
    }

    /** The event as bytes (its wire form), for a member's event journal. */
    public static byte[] encode(PoolEvent event) {
        return toProto(event).toByteArray();
    }

    /**
     * The event {@link #encode} wrote.
     *
     * @throws IllegalArgumentException if {@code bytes} are not an encoded event
     */
    public static PoolEvent decode(byte[] bytes) {
        try {
            return fromProto(io.poolkeeper.proto.PoolEvent.parseFrom(bytes));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an encoded pool event: " + e.getMessage(), e);
        }
    }
}
