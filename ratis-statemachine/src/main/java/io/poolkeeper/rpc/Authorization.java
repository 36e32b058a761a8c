package io.poolkeeper.rpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.port.RefusalLog;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.tls.CertificateRole;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who may call what on PoolService under TLS (DESIGN §11). Every caller already presented a certificate of the pool's
 * CA (the TLS handshake refused anyone else); the member-to-member calls — heartbeats, join, HA heartbeats and the
 * emergency calls — also need a {@link CertificateRole#MEMBER member} certificate, so a client's certificate can read
 * and submit commands but cannot pose as a host. An operator runs the emergency commands with the credentials of the
 * member they act on, as xapi's are run on the host itself.
 *
 * <p>A refused call fails with {@code PERMISSION_DENIED} before any handler runs, so it changes nothing; refusals are
 * logged once per caller address per interval ({@link RefusalLog}). Stateless apart from that log; thread-safe.
 */
final class Authorization implements ServerInterceptor {
    /** The calls only members make. */
    static final Set<String> MEMBER_ONLY = Set.of(
            PoolServiceGrpc.getHeartbeatMethod().getBareMethodName(),
            PoolServiceGrpc.getJoinMethod().getBareMethodName(),
            PoolServiceGrpc.getHaHeartbeatMethod().getBareMethodName(),
            PoolServiceGrpc.getEmergencyTransitionToMasterMethod().getBareMethodName(),
            PoolServiceGrpc.getEmergencyResetMasterMethod().getBareMethodName(),
            PoolServiceGrpc.getRecoverSlavesMethod().getBareMethodName());

    private final RefusalLog log = new RefusalLog(Authorization.class);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getBareMethodName();
        if (!MEMBER_ONLY.contains(method)) {
            return next.startCall(call, headers);
        }
        Optional<CertificateRole> role = peerRole(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (role.isPresent() && role.get() == CertificateRole.MEMBER) {
            return next.startCall(call, headers);
        }
        String caller = BadInput.peer(call);
        String held =
                role.map(r -> "a " + r.name().toLowerCase() + " certificate").orElse("no certificate of this pool");
        log.refused(
                caller,
                () -> "refused " + method + " from " + caller + ": it holds " + held
                        + "; only pool members may call it");
        call.close(
                Status.PERMISSION_DENIED.withDescription(ErrorCode.PERMISSION_DENIED.name() + ": " + method
                        + " is for pool members only; this caller holds " + held
                        + " (run member commands with the member's --tls-dir)"),
                new Metadata());
        return new ServerCall.Listener<>() {};
    }

    private static Optional<CertificateRole> peerRole(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf
                    ? CertificateRole.of(leaf)
                    : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }
}
