package io.poolkeeper.tls;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What a certificate of the pool's CA lets its holder be, told by its extended key usage: a {@link #MEMBER} both
 * serves (serverAuth) and calls other members (clientAuth); a {@link #CLIENT} only calls (clientAuth). The JDK's
 * PKIX trust manager already refuses a server whose certificate lacks serverAuth, so a client certificate cannot
 * pose as a member's server; this role is what an authorization check reads from the peer of a TLS session.
 */
public enum CertificateRole {
    /** A pool member: extended key usage serverAuth and clientAuth. */
    MEMBER,
    /** A client of the pool (CLI, embedder): extended key usage clientAuth only. */
    CLIENT;

    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    /** The role of a certificate; empty when its extended key usage is neither a member's nor a client's. */
    public static Optional<CertificateRole> of(X509Certificate certificate) {
        List<String> usages;
        try {
            usages = certificate.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (usages == null || !usages.contains(CLIENT_AUTH)) {
            return Optional.empty();
        }
        return Optional.of(usages.contains(SERVER_AUTH) ? MEMBER : CLIENT);
    }

    /**
     * The role of the verified peer of a TLS session (its leaf certificate); empty when the peer presented no
     * certificate or one with neither role.
     */
    public static Optional<CertificateRole> ofPeer(SSLSession session) {
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? of(leaf) : Optional.empty();
    }

    /** The extended key usages of certificates of this role. */
    List<String> extendedKeyUsages() {
        return this == MEMBER ? List.of(SERVER_AUTH, CLIENT_AUTH) : List.of(CLIENT_AUTH);
    }
}
