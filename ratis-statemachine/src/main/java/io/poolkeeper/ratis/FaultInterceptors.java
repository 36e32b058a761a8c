package io.poolkeeper.ratis;

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
import io.poolkeeper.rpc.LinkFilter;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;

/**
 * The gRPC interceptors that make a {@link LinkFilter} real: on the Raft server (through Ratis' services customizer)
 * and on the PoolService, a receiving member closes a call whose sender's link to it is cut. Raft messages name
 * their sender; member-to-member PoolService calls name it in the {@link #FROM} header.
 */
public final class FaultInterceptors {
    /** The header in which a member names itself on member-to-member PoolService calls. */
    public static final Metadata.Key<String> FROM =
            Metadata.Key.of("poolkeeper-from", Metadata.ASCII_STRING_MARSHALLER);

    private FaultInterceptors() {}

    /** Adds the Raft-side filter of {@code self} to Ratis' gRPC server. */
    static GrpcServices.Customizer ratis(LinkFilter faults, String self) {
        return (builder, types) -> builder.intercept(new RatisFilter(faults, self));
    }

    /** The PoolService-side filter of {@code self}. */
    public static ServerInterceptor poolService(LinkFilter faults, String self) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String from = headers.get(FROM);
                if (from != null && faults.blocked(from, self)) {
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

    /** Ratis' gRPC is shaded, so this filter uses the shaded classes. */
    private static final class RatisFilter implements org.apache.ratis.thirdparty.io.grpc.ServerInterceptor {
        private final LinkFilter faults;
        private final String self;

        RatisFilter(LinkFilter faults, String self) {
            this.faults = faults;
            this.self = self;
        }

        @Override
        public <Q, R> org.apache.ratis.thirdparty.io.grpc.ServerCall.Listener<Q> interceptCall(
                org.apache.ratis.thirdparty.io.grpc.ServerCall<Q, R> call,
                org.apache.ratis.thirdparty.io.grpc.Metadata headers,
                org.apache.ratis.thirdparty.io.grpc.ServerCallHandler<Q, R> next) {
            org.apache.ratis.thirdparty.io.grpc.ServerCall.Listener<Q> delegate = next.startCall(call, headers);
            return new org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener
                            .SimpleForwardingServerCallListener<
                    Q>(delegate) {
                private boolean closed;

                @Override
                public void onMessage(Q message) {
                    if (closed) {
                        return;
                    }
                    String from = sender(message);
                    if (faults.blocked(from, self)) {
                        closed = true;
                        call.close(
                                org.apache.ratis.thirdparty.io.grpc.Status.UNAVAILABLE.withDescription(
                                        "link " + from + " -> " + self + " cut"),
                                new org.apache.ratis.thirdparty.io.grpc.Metadata());
                        return;
                    }
                    super.onMessage(message);
                }

                @Override
                public void onHalfClose() {
                    if (!closed) {
                        super.onHalfClose();
                    }
                }
            };
        }

        private static String sender(Object message) {
            RaftRpcRequestProto request = null;
            if (message instanceof AppendEntriesRequestProto m) {
                request = m.getServerRequest();
            } else if (message instanceof RequestVoteRequestProto m) {
                request = m.getServerRequest();
            } else if (message instanceof InstallSnapshotRequestProto m) {
                request = m.getServerRequest();
            } else if (message instanceof ReadIndexRequestProto m) {
                request = m.getServerRequest();
            } else if (message instanceof StartLeaderElectionRequestProto m) {
                request = m.getServerRequest();
            }
            return request == null ? "" : request.getRequestorId().toStringUtf8();
        }
    }
}
