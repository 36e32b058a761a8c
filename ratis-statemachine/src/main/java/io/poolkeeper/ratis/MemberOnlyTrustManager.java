package io.poolkeeper.ratis;

import io.poolkeeper.tls.CertificateRole;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A pool's trust manager narrowed to members: on the Raft transport both ends must hold a {@link
 * CertificateRole#MEMBER member} certificate of the pool. A client certificate is good for PoolService, whose checks
 * (pool identity, input limits, authorization) it must not get around by speaking Raft directly.
 *
 * <p>Stateless apart from the delegate; thread-safe when it is.
 */
final class MemberOnlyTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager pool;

    private MemberOnlyTrustManager(X509ExtendedTrustManager pool) {
        this.pool = pool;
    }

    static MemberOnlyTrustManager of(X509ExtendedTrustManager pool) {
        return new MemberOnlyTrustManager(pool);
    }

    private static void requireMember(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0 || CertificateRole.of(chain[0]).orElse(null) != CertificateRole.MEMBER) {
            throw new CertificateException("only pool members speak Raft; the peer's certificate is not a member's"
                    + (chain == null || chain.length == 0 ? "" : " (" + chain[0].getSubjectX500Principal() + ")"));
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pool.checkClientTrusted(chain, authType);
        requireMember(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pool.checkServerTrusted(chain, authType);
        requireMember(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pool.checkClientTrusted(chain, authType, socket);
        requireMember(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pool.checkServerTrusted(chain, authType, socket);
        requireMember(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pool.checkClientTrusted(chain, authType, engine);
        requireMember(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pool.checkServerTrusted(chain, authType, engine);
        requireMember(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pool.getAcceptedIssuers();
    }
}
