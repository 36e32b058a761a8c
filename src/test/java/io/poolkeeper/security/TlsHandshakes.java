package io.poolkeeper.security;

import io.poolkeeper.tls.TlsCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * Bare TLS handshakes with a member's ports, below gRPC and Raft: which certificate a port presents, and whether it
 * accepts the caller's. The handshake is all a stranger ever gets to; what follows it (HTTP/2) is not spoken here.
 */
final class TlsHandshakes {
    private TlsHandshakes() {}

    /**
     * The serial number of the certificate the port at {@code address} presents to a caller holding {@code caller};
     * an {@link IOException} when either side refuses the other.
     */
    static BigInteger serialPresented(String address, TlsCredentials caller) throws IOException {
        return handshake(address, new KeyManager[] {caller.keyManager()}, caller.trustManager());
    }

    /** A handshake by a caller with no certificate that trusts the pool's CA (a client who skipped mTLS). */
    static BigInteger serialPresentedToAnonymous(String address, TlsCredentials trust) throws IOException {
        return handshake(address, new KeyManager[0], trust.trustManager());
    }

    private static BigInteger handshake(String address, KeyManager[] keys, TrustManager trust) throws IOException {
        int colon = address.lastIndexOf(':');
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, new TrustManager[] {trust}, null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
                socket.connect(
                        new InetSocketAddress(
                                address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
                        5_000);
                socket.setSoTimeout(5_000);
                socket.startHandshake();
                // A TLS 1.3 server checks the client's certificate after the client's Finished: read to learn the
                // verdict. A refusal arrives as an alert; an accepted caller that offered no ALPN is closed by gRPC
                // (-1) or kept waiting.
                socket.setSoTimeout(1_000);
                try {
                    socket.getInputStream().read();
                } catch (java.net.SocketTimeoutException accepted) {
                    // the server kept the connection: it accepted the caller
                }
                return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
            }
        } catch (GeneralSecurityException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
