package io.poolkeeper.rpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.poolkeeper.port.LinkFilter;

/**
 * The PoolService side of a {@link LinkFilter}: member-to-member calls name their sender in the {@link #FROM}
 * header, and a receiving member closes a call whose sender's link to it is cut. The Raft side is
 * {@code ratis.RaftLinkFilter}.
 */
public final class FaultInterceptors {
    /** The header in which a member names itself on member-to-member PoolService calls. */
    public static final Metadata.Key<String> FROM =
            Metadata.Key.of("poolkeeper-from", Metadata.ASCII_STRING_MARSHALLER);

    private FaultInterceptors() {}

    /** The PoolService-side filter of {@code self}. */
    public static ServerInterceptor poolService(LinkFilter faults, String self) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String from = headers.get(FROM);
                if (from != null && faults.blocked(from, self)) {
                    if (faults.silent(from, self)) {
                        return new ServerCall.Listener<>() {}; // never answered: the caller's deadline ends it
                    }
                    call.close(
                            Status.UNAVAILABLE.withDescription("link " + from + " -> " + self + " cut"),
                            new Metadata());
                    return new ServerCall.Listener<>() {};
                }
                return next.startCall(call, headers);
            }
        };
    }

    /** Names {@code self} on the calls this member makes to other members. */
    public static ClientInterceptor caller(String self) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(
                    MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.put(FROM, self);
                        super.start(listener, headers);
                    }
                };
            }
        };
    }
}
