package io.poolkeeper.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Validates a peer's chain against the current CA bundle of a {@link TlsCredentials}, with the JDK's PKIX trust
 * manager: signatures, validity dates (an expired certificate is refused) and extended key usage (a server must have
 * serverAuth, a client clientAuth). The socket and engine variants deliberately call the delegate's two-argument
 * methods, which do <b>no hostname or endpoint identification</b>: a peer is trusted for holding a certificate of
 * the pool's CA, whatever address it was reached at.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
    private final TlsCredentials credentials;

    ReloadingTrustManager(TlsCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        credentials.refresh();
        credentials.current().trust().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        credentials.refresh();
        credentials.current().trust().checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return credentials.current().authorities().toArray(new X509Certificate[0]);
    }
}
