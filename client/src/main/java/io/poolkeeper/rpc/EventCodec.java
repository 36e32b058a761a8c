package io.poolkeeper.rpc;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolEvent;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Pool events between the API and the wire. Kinds map through exhaustive switches; a kind this version does not know
 * (a newer member's) arrives as an alert rather than an exception that would break the client's event stream.
 */
final class EventCodec {
    private EventCodec() {}

    static io.poolkeeper.proto.PoolEvent toProto(PoolEvent event) {
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

    static PoolEvent fromProto(io.poolkeeper.proto.PoolEvent event) {
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
}
