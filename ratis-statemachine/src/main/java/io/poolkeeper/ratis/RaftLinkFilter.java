package io.poolkeeper.ratis;

import io.poolkeeper.port.LinkFilter;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.ReadIndexRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;

/**
 * The Raft side of a {@link LinkFilter}: a receiving member closes a Raft call whose sender's link to it is cut.
 * Raft messages name their sender (AppendEntries, RequestVote, InstallSnapshot, ReadIndex, StartLeaderElection).
 */
public final class RaftLinkFilter {
    private RaftLinkFilter() {}

    /** Adds the filter of {@code self} to Ratis' gRPC server. */
    static GrpcServices.Customizer customizer(LinkFilter faults, String self) {
        return (builder, types) -> builder.intercept(new RatisFilter(faults, self));
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
