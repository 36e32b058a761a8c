package io.poolkeeper.rpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLException;

/**
 * How pool errors cross gRPC: the status carries the kind (UNAVAILABLE: retry elsewhere; DEADLINE_EXCEEDED:
 * indeterminate; FAILED_PRECONDITION: refused) and the description starts with the stable code name.
 */
final class Errors {
    private Errors() {}

    static StatusRuntimeException toStatus(Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof PoolException p) {
            Status status =
                    switch (p.code().kind()) {
                        case UNAVAILABLE -> Status.UNAVAILABLE;
                        case INDETERMINATE -> Status.DEADLINE_EXCEEDED;
                        case REJECTED -> Status.FAILED_PRECONDITION;
                    };
            return status.withDescription(p.code().name() + ": " + p.getMessage())
                    .asRuntimeException();
        }
        return Status.INTERNAL
                .withDescription(ErrorCode.INTERNAL_ERROR.name() + ": " + t)
                .asRuntimeException();
    }

    /**
     * As {@link #fromStatus(Throwable)} for a call to the member at {@code address} with {@code deadline}: a call that
     * reached no member or got no answer says so with the address and the cause ("cannot reach 10.0.0.7:7001:
     * connection refused", "no answer from 10.0.0.7:7001 within 3 s") instead of gRPC's text. A member's own answer
     * keeps its message.
     */
    static PoolException fromStatus(String address, Duration deadline, Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof PoolException p) {
            return p;
        }
        Optional<String> unreachable = CallFailures.unreachable(t);
        if (unreachable.isPresent()) {
            return PoolException.of(
                    ErrorCode.NO_MASTER, List.of(address), "cannot reach " + address + ": " + unreachable.get());
        }
        Status status = Status.fromThrowable(t);
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && !CallFailures.fromMember(status)) {
            return PoolException.of(
                    ErrorCode.TIMEOUT,
                    List.of(address),
                    "no answer from " + address + " within " + CallFailures.seconds(deadline));
        }
        PoolException failure = fromStatus(t);
        if (CallFailures.fromMember(status)) {
            return failure;
        }
        String prefix = failure.code().name() + ": ";
        String message = failure.getMessage().startsWith(prefix)
                ? failure.getMessage().substring(prefix.length())
                : failure.getMessage();
        return PoolException.of(failure.code(), List.of(address), address + ": " + message);
    }

    static PoolException fromStatus(Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof PoolException p) {
            return p;
        }
        Status status = Status.fromThrowable(t);
        String description = status.getDescription() == null ? "" : status.getDescription();
        int colon = description.indexOf(':');
        ErrorCode code = colon > 0 ? ErrorCode.fromName(description.substring(0, colon)) : null;
        if (code != null && code != ErrorCode.INTERNAL_ERROR) {
            // toStatus prefixes the code to a message that starts with it already: name it once.
            String prefix = code.name() + ": ";
            while (description.startsWith(prefix)) {
                description = description.substring(prefix.length());
            }
        }
        Optional<String> tls = tlsFailure(status);
        if (tls.isPresent()) {
            // A caller whose certificate a member refused, or who refused the member's, retrying will not help
            // until the credentials change; it stays retryable (a rotation may be half done) but says why.
            return PoolException.of(
                    ErrorCode.NO_MASTER, List.of(), "TLS handshake failed: " + tls.get() + " (check --tls-dir)");
        }
        if (code == null || code == ErrorCode.INTERNAL_ERROR) {
            code = switch (status.getCode()) {
                case UNAVAILABLE -> ErrorCode.NO_MASTER;
                case DEADLINE_EXCEEDED -> ErrorCode.TIMEOUT;
                default -> ErrorCode.INTERNAL_ERROR;
            };
        }
        return PoolException.of(code, List.of(), description.isEmpty() ? status.toString() : description);
    }

    /** The TLS error under {@code status}, if a handshake failed: the first SSL exception's message. */
    private static Optional<String> tlsFailure(Status status) {
        for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return Optional.of(String.valueOf(t.getMessage()));
            }
        }
        return Optional.empty();
    }

    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
