package io.poolkeeper.rpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.port.RefusalLog;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Requests a member refuses as bad input: bytes that are not the method's request message, and values over {@link
 * io.poolkeeper.core.InputLimits}. Each refusal is at most one log line, never a stack trace, and a peer gets at most
 * one line a {@linkplain RefusalLog#INTERVAL_NANOS minute}, the next one counting what was left out meanwhile: a few thousand
 * bad requests must not flood a member's log. Real internal errors keep gRPC's own logging.
 *
 * <p>Undecodable requests: gRPC parses a request before any interceptor sees it and logs a parse failure with a stack
 * trace. {@link #guard} therefore gives every method a request marshaller that never throws: on bytes that do not parse
 * it notes the failure for the current thread and returns the empty message; gRPC hands that message to the call's
 * listener on the same thread right after parsing ({@code ServerCallImpl}), where the guard finds the note, refuses
 * the call with {@code INVALID_ARGUMENT} and {@link ErrorCode#MALFORMED_COMMAND}, and never lets the handler run.
 *
 * <p>Thread-safe.
 */
final class BadInput {

    /** Longest piece of a refusal's detail quoted in the log. */
    private static final int MAX_DETAIL = 160;

    private static final java.util.regex.Pattern CONTROL = java.util.regex.Pattern.compile("\\p{Cntrl}");

    /** Longest status description a member sends (trailers beyond 8 KiB are refused by clients). */
    private static final int MAX_DESCRIPTION = 1024;

    /**
     * gRPC's transport logs a request over the server's message size with a stack trace at WARNING; that logger is
     * held here (java.util.logging forgets the settings of loggers nobody holds) and given {@link #TRANSPORT_FILTER}.
     */
    private static final java.util.logging.Logger TRANSPORT =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

    /** Peers are unknown to the transport's log: its refusals share one window. */
    private static final BadInput TRANSPORT_REFUSALS = new BadInput();

    /** Turns the transport's "Exception processing message" records into {@link #refused} lines. */
    private static final java.util.logging.Filter TRANSPORT_FILTER = record -> {
        Throwable thrown = record.getThrown();
        if (thrown instanceof io.grpc.StatusRuntimeException e
                && e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            TRANSPORT_REFUSALS.refused(
                    "a client",
                    "a call",
                    -1,
                    ErrorCode.INVALID_VALUE,
                    String.valueOf(e.getStatus().getDescription()));
            return false;
        }
        return true;
    };

    /**
     * gRPC's HTTP/2 handler logs, with a stack trace, a stream its peer closed or reset before the answer was written
     * (a client that gave up on a refused or oversized call): one stream of one caller, no fault of the member.
     */
    private static final java.util.logging.Logger STREAMS =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");

    /** Turns the handler's stream errors into {@link #refused} lines; connection errors keep their record. */
    private static final java.util.logging.Filter STREAMS_FILTER = record -> {
        if (record.getThrown()
                instanceof io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception.StreamException e) {
            TRANSPORT_REFUSALS.refused(
                    "a client", "a stream", -1, ErrorCode.MALFORMED_COMMAND, String.valueOf(e.getMessage()));
            return false;
        }
        return true;
    };

    static {
        TRANSPORT.setFilter(TRANSPORT_FILTER);
        STREAMS.setFilter(STREAMS_FILTER);
    }

    /** The parse failure of the request being delivered on this thread, if its bytes did not parse. */
    private static final ThreadLocal<Failure> UNPARSED = new ThreadLocal<>();

    private record Failure(int size, String reason) {}

    /** The peer of the call being served (its address without port), for handlers' refusals. */
    static final Context.Key<String> CALL_PEER = Context.keyWithDefault("poolkeeper-peer", "?");

    /** The method of the call being served. */
    static final Context.Key<String> CALL_METHOD = Context.keyWithDefault("poolkeeper-method", "?");

    private final RefusalLog log;

    BadInput() {
        this(System::nanoTime);
    }

    BadInput(LongSupplier nanos) {
        this.log = new RefusalLog(BadInput.class, nanos);
    }

    /**
     * Notes that a request of {@code call}'s peer was refused with {@code code}: one line, unless this peer had one
     * within the last minute.
     *
     * @param size the request's size in bytes (-1: unknown)
     */
    void refused(ServerCall<?, ?> call, int size, ErrorCode code, String detail) {
        refused(peer(call), call.getMethodDescriptor().getBareMethodName(), size, code, detail);
    }

    /** As {@link #refused(ServerCall, int, ErrorCode, String)}, for a peer and method already known. */
    void refused(String peer, String method, int size, ErrorCode code, String detail) {
        log.refused(
                peer,
                () -> "refused " + method + " from " + peer + ": " + code.name() + " (" + size + " bytes): "
                        + oneLine(detail));
    }

    /** As {@link #refused(ServerCall, int, ErrorCode, String)}, for the call being served on this thread. */
    void refused(int size, Rejection rejection) {
        refused(CALL_PEER.get(), CALL_METHOD.get(), size, rejection.code(), rejection.message());
    }

    /** The address of the peer of {@code call}, without its port (a new connection has a new one). */
    static String peer(ServerCall<?, ?> call) {
        SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(address);
    }

    /** A value for a reply, quoted and cut short: a refusal must not echo a huge value back. */
    static String quote(String text) {
        return "'" + shorten(text) + "'";
    }

    /** A value for a message, cut short. */
    static String shorten(String text) {
        return text.length() <= MAX_DETAIL ? text : text.substring(0, MAX_DETAIL) + "...";
    }

    private static String oneLine(String detail) {
        String flat = CONTROL.matcher(String.valueOf(detail)).replaceAll(" ");
        return flat.length() <= MAX_DETAIL ? flat : flat.substring(0, MAX_DETAIL) + "...";
    }

    /**
     * {@code service} with every request that does not parse refused as {@link ErrorCode#MALFORMED_COMMAND} before
     * any of its interceptors or handlers sees it, and logged here.
     */
    ServerServiceDefinition guard(ServerServiceDefinition service) {
        ServiceDescriptor original = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor =
                ServiceDescriptor.newBuilder(original.getName()).setSchemaDescriptor(original.getSchemaDescriptor());
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            ServerMethodDefinition<?, ?> guarded = guard(method);
            descriptor.addMethod(guarded.getMethodDescriptor());
            methods.add(guarded);
        }
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(out::addMethod);
        return out.build();
    }

    private <Q, R> ServerMethodDefinition<Q, R> guard(ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
        MethodDescriptor<Q, R> lenient = descriptor.toBuilder()
                .setRequestMarshaller(new Lenient<>(descriptor.getRequestMarshaller()))
                .build();
        ServerCallHandler<Q, R> handler = method.getServerCallHandler();
        return ServerMethodDefinition.create(lenient, (call, headers) -> listen(call, headers, handler));
    }

    private <Q, R> ServerCall.Listener<Q> listen(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> handler) {
        Context context = Context.current()
                .withValue(CALL_PEER, peer(call))
                .withValue(CALL_METHOD, call.getMethodDescriptor().getBareMethodName());
        ServerCall<Q, R> trimmed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                // A description quoting a huge bad value would make trailers the client refuses (and gRPC logs).
                String description = status.getDescription();
                super.close(
                        description == null || description.length() <= MAX_DESCRIPTION
                                ? status
                                : status.withDescription(description.substring(0, MAX_DESCRIPTION) + "..."),
                        trailers);
            }
        };
        ServerCall.Listener<Q> next = Contexts.interceptCall(context, trimmed, headers, handler);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next) {
            private boolean refused;

            @Override
            public void onMessage(Q request) {
                Failure failure = UNPARSED.get();
                UNPARSED.remove();
                if (refused) {
                    return; // a second message on a refused call: already closed
                }
                if (failure == null) {
                    super.onMessage(request);
                    return;
                }
                refused = true;
                refused(call, failure.size(), ErrorCode.MALFORMED_COMMAND, failure.reason());
                call.close(
                        Status.INVALID_ARGUMENT.withDescription(ErrorCode.MALFORMED_COMMAND.name()
                                + ": not a valid " + call.getMethodDescriptor().getBareMethodName()
                                + " request: " + oneLine(failure.reason())),
                        new Metadata());
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

    /** A request marshaller that never throws: see the class comment. */
    private static final class Lenient<Q> implements MethodDescriptor.Marshaller<Q> {
        private final MethodDescriptor.Marshaller<Q> delegate;

        Lenient(MethodDescriptor.Marshaller<Q> delegate) {
            this.delegate = delegate;
        }

        @Override
        public InputStream stream(Q value) {
            return delegate.stream(value);
        }

        @Override
        public Q parse(InputStream stream) {
            int size = available(stream);
            try {
                Q parsed = delegate.parse(stream);
                UNPARSED.remove();
                return parsed;
            } catch (RuntimeException e) {
                UNPARSED.set(new Failure(size, reason(e)));
                return delegate.parse(new ByteArrayInputStream(new byte[0]));
            }
        }

        private static int available(InputStream stream) {
            try {
                return stream.available();
            } catch (IOException e) {
                return -1;
            }
        }

        private static String reason(RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return String.valueOf(cause.getMessage());
        }
    }
}
