package io.poolkeeper.rpc;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolEvent;
import java.util.Optional;
import java.util.TreeMap;

/** Pool events between the API and the wire. */
final class EventCodec {
    private EventCodec() {}

    static io.poolkeeper.proto.PoolEvent toProto(PoolEvent event) {
        return io.poolkeeper.proto.PoolEvent.newBuilder()
                .setToken(event.token())
                .setKind(io.poolkeeper.proto.PoolEvent.Kind.valueOf(event.kind().name()))
                .setName(event.name())
                .putAllParams(event.params())
                .setRejectedWith(event.rejectedWith().map(ErrorCode::name).orElse(""))
                .build();
    }

    static PoolEvent fromProto(io.poolkeeper.proto.PoolEvent event) {
        PoolEvent.Kind kind = event.getKind() == io.poolkeeper.proto.PoolEvent.Kind.KIND_UNSPECIFIED
                ? PoolEvent.Kind.ALERT
                : PoolEvent.Kind.valueOf(event.getKind().name());
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
