package io.poolkeeper.rpc;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.poolkeeper.api.ErrorCode;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Why a call to a member failed, in words an operator can act on: the address and the cause ("connection refused",
 * "unknown host", "TLS handshake failed: ...", "no answer within 3 s") instead of gRPC's "io exception" or its
 * deadline text. Only the message changes; the codes stay those of {@link Errors}.
 */
public final class CallFailures {
    private CallFailures() {}

    /**
     * The reason no connection to the member could be made (refused, unknown host, no route, TLS handshake), or
     * empty when the call reached a member or failed otherwise. Such a call never reached a member: nothing of it
     * was applied.
     */
    public static Optional<String> unreachable(Throwable error) {
        Status status = Status.fromThrowable(Errors.unwrap(error));
        if (status.getCode() != Status.Code.UNAVAILABLE || fromMember(status)) {
            return Optional.empty();
        }
        for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException) {
                return Optional.of("unknown host" + detail(t));
            }
            if (t instanceof NoRouteToHostException) {
                return Optional.of("no route to host");
            }
            if (t instanceof ConnectException) {
                String message = String.valueOf(t.getMessage());
                return Optional.of(
                        message.toLowerCase(java.util.Locale.ROOT).contains("refused")
                                ? "connection refused"
                                : "cannot connect" + detail(t));
            }
            if (t instanceof SSLException) {
                return Optional.of("TLS handshake failed" + detail(t));
            }
        }
        String description = status.getDescription() == null ? "" : status.getDescription();
        if (description.startsWith("Unable to resolve host")) {
            return Optional.of("unknown host" + (status.getCause() == null ? "" : detail(status.getCause())));
        }
        return Optional.empty();
    }

    /**
     * {@code error} of a call to one member, in words: the reason it could not be reached, "no answer within" the
     * deadline, the member's own message when it answered with a pool error, else gRPC's description.
     */
    public static String describe(Throwable error, Duration deadline) {
        Optional<String> unreachable = unreachable(error);
        if (unreachable.isPresent()) {
            return unreachable.get();
        }
        Throwable t = Errors.unwrap(error);
        if (!(t instanceof StatusRuntimeException) && !(t instanceof StatusException)) {
            // Not a gRPC failure at all (a PoolException, an IllegalStateException...).
            return t.getMessage() == null ? t.toString() : t.getMessage();
        }
        Status status = Status.fromThrowable(t);
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && !fromMember(status)) {
            return "no answer within " + seconds(deadline);
        }
        String description = status.getDescription();
        if (description == null || description.isEmpty()) {
            description = status.getCode().toString();
        }
        if (status.getCause() != null && status.getCause().getMessage() != null && !fromMember(status)) {
            description += " (" + status.getCause().getMessage() + ")";
        }
        return description;
    }

    /** {@code d} as people write it: "3 s", "2.5 s", "400 ms". */
    static String seconds(Duration d) {
        long millis = d.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        return millis % 1000 == 0
                ? millis / 1000 + " s"
                : java.math.BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + " s";
    }

    /** Whether the status is a member's answer: its description starts with a pool error code. */
    static boolean fromMember(Status status) {
        String description = status.getDescription();
        if (description == null) {
            return false;
        }
        int colon = description.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        String name = description.substring(0, colon);
        // fromName answers INTERNAL_ERROR for a name it does not know.
        return ErrorCode.fromName(name) != ErrorCode.INTERNAL_ERROR || name.equals(ErrorCode.INTERNAL_ERROR.name());
    }

    private static String detail(Throwable t) {
        return t.getMessage() == null ? "" : ": " + t.getMessage();
    }
}
