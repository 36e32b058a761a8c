package io.poolkeeper.rpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pool identity on PoolService calls (DESIGN §8). Every request and reply message of the service has a string field
 * {@value #FIELD}: a request names the pool its sender belongs to or is pinned to (empty: any pool, a first
 * contact), a reply the pool of the member answering (empty: it is in no pool).
 *
 * <p>A member refuses a request naming another pool than its own with {@link ErrorCode#POOL_MISMATCH} before any
 * handler runs, so the request changes nothing; a caller pinned to a pool refuses an answer naming another pool (or
 * none) through {@link #check}. A member in no pool refuses nothing: it is of no other pool, and an emergency reset
 * may bring it into the pool the request names.
 *
 * <p>Stateless helpers, thread-safe; the server interceptor reads the member's pool at every call.
 */
public final class PoolIdentity {
    private static final Logger LOG = LoggerFactory.getLogger(PoolIdentity.class);

    /** The field every PoolService request and reply has. */
    public static final String FIELD = "pool_uuid";

    /** The trailer in which a refusing member names the pool it serves, so the caller can say which. */
    static final Metadata.Key<String> SERVED = Metadata.Key.of("poolkeeper-pool", Metadata.ASCII_STRING_MARSHALLER);

    /** Refusals are logged at most this often (a client with a stale address list retries for its whole timeout). */
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;

    private PoolIdentity() {}

    /** The pool {@code message} names; empty when it names none or has no {@value #FIELD} field. */
    public static String of(Message message) {
        FieldDescriptor field = message.getDescriptorForType().findFieldByName(FIELD);
        return field == null ? "" : (String) message.getField(field);
    }

    /** {@code message} naming {@code pool}; unchanged when {@code pool} is empty or it already names one. */
    @SuppressWarnings("unchecked")
    public static <T extends Message> T naming(T message, String pool) {
        FieldDescriptor field = message.getDescriptorForType().findFieldByName(FIELD);
        if (field == null || pool.isEmpty() || !of(message).isEmpty()) {
            return message;
        }
        return (T) message.toBuilder().setField(field, pool).build();
    }

    /** Whether a member of {@code served} must refuse a request for {@code requested}. */
    static boolean foreign(String requested, String served) {
        return !requested.isEmpty() && !served.isEmpty() && !requested.equals(served);
    }

    /**
     * The pool a caller pinned to {@code pinned} (empty: not yet) is pinned to after an answer of the member at
     * {@code address} serving {@code served}: {@code pinned}, or {@code served} when it was not pinned yet.
     *
     * @throws PoolException {@link ErrorCode#POOL_MISMATCH} when pinned and the member serves another pool, or none
     */
    public static String check(String address, String pinned, String served) {
        if (pinned.isEmpty()) {
            return served;
        }
        if (!pinned.equals(served)) {
            throw mismatch(address, pinned, served);
        }
        return pinned;
    }

    /** The caller's side of a member's refusal: {@code error} as a mismatch naming the member's address. */
    static Optional<PoolException> refusal(String address, String pinned, Throwable error) {
        Throwable t = Errors.unwrap(error);
        if (t instanceof PoolException p) {
            return p.code() == ErrorCode.POOL_MISMATCH ? Optional.of(p) : Optional.empty();
        }
        Status status = Status.fromThrowable(t);
        String description = status.getDescription();
        if (status.getCode() != Status.Code.FAILED_PRECONDITION
                || description == null
                || !description.startsWith(ErrorCode.POOL_MISMATCH.name() + ":")) {
            return Optional.empty();
        }
        Metadata trailers = Status.trailersFromThrowable(t);
        String served = trailers == null || trailers.get(SERVED) == null ? "?" : trailers.get(SERVED);
        return Optional.of(mismatch(address, pinned, served));
    }

    static PoolException mismatch(String address, String pinned, String served) {
        return PoolException.of(
                ErrorCode.POOL_MISMATCH,
                List.of(address, pinned, served),
                "the member at " + address + (served.isEmpty() ? " is in no pool" : " serves pool " + served)
                        + ", not pool " + pinned);
    }

    /**
     * The member side: refuses a request for another pool than {@code pool}'s before the service sees it, and names
     * the member's pool in every reply that names none.
     */
    static ServerInterceptor server(Supplier<String> pool) {
        AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                ServerCall<Q, R> naming = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    @SuppressWarnings("unchecked")
                    public void sendMessage(R message) {
                        super.sendMessage(message instanceof Message m ? (R) naming(m, pool.get()) : message);
                    }
                };
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
                        next.startCall(naming, headers)) {
                    private boolean refused;

                    @Override
                    public void onMessage(Q request) {
                        String served = pool.get();
                        String requested = request instanceof Message m ? of(m) : "";
                        if (!foreign(requested, served)) {
                            super.onMessage(request);
                            return;
                        }
                        refused = true;
                        long now = System.nanoTime();
                        long last = lastLogged.get();
                        if (now - last >= LOG_EVERY_NANOS && lastLogged.compareAndSet(last, now)) {
                            LOG.warn(
                                    "refused {} for pool {}: this member serves pool {} (a stale address list?)",
                                    call.getMethodDescriptor().getBareMethodName(),
                                    BadInput.shorten(requested),
                                    served);
                        }
                        Metadata trailers = new Metadata();
                        trailers.put(SERVED, served);
                        call.close(
                                Status.FAILED_PRECONDITION.withDescription(ErrorCode.POOL_MISMATCH.name()
                                        + ": the request is for pool " + BadInput.shorten(requested)
                                        + "; this member serves pool "
                                        + served),
                                trailers);
                    }

                    @Override
                    public void onHalfClose() {
                        // The handler runs on half-close: a refused call never reaches it.
                        if (!refused) {
                            super.onHalfClose();
                        }
                    }
                };
            }
        };
    }
}
