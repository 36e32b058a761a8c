package io.poolkeeper.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * One real TLS connection on loopback between a server that requires a client certificate and a client, both with
 * the JDK's own TLS; the client sends a byte, the server echoes it, so a client refused by the server fails too
 * (TLS 1.3 clients finish their handshake before the server has checked their certificate).
 */
final class Handshake {
    private static final int TIMEOUT_MS = 5_000;

    /** What each side saw: the peer's certificate, or the error that ended the connection. */
    record Outcome(
            X509Certificate serverSawClient,
            Optional<CertificateRole> clientRole,
            X509Certificate clientSawServer,
            Exception serverError,
            Exception clientError) {
        boolean succeeded() {
            return serverError == null && clientError == null;
        }

        /**
         * Refused by TLS: neither side completed an exchange, and one side failed the handshake (the other may see
         * the alert, or only the connection closed under it); a timeout is no refusal.
         */
        boolean refusedOnBothSides() {
            return serverError != null
                    && clientError != null
                    && (serverError instanceof SSLHandshakeException || clientError instanceof SSLHandshakeException)
                    && !(serverError instanceof SocketTimeoutException)
                    && !(clientError instanceof SocketTimeoutException);
        }

        /** The messages of the server's error and its causes, then the client's, for checking the reason. */
        String reasons() {
            return chain(serverError) + " / " + chain(clientError);
        }

        private static String chain(Throwable t) {
            StringBuilder sb = new StringBuilder();
            for (Throwable c = t; c != null; c = c.getCause()) {
                sb.append(c.getClass().getSimpleName())
                        .append(": ")
                        .append(c.getMessage())
                        .append("; ");
            }
            return sb.toString();
        }

        @Override
        public String toString() {
            return "server: " + (serverError == null ? "ok" : serverError) + "; client: "
                    + (clientError == null ? "ok" : clientError);
        }
    }

    private Handshake() {}

    static SSLContext context(TlsCredentials credentials) {
        return context(new KeyManager[] {credentials.keyManager()}, credentials.trustManager());
    }

    /** A context presenting no certificate at all. */
    static SSLContext anonymous(TlsCredentials trust) {
        return context(new KeyManager[0], trust.trustManager());
    }

    private static SSLContext context(KeyManager[] keys, TrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static Outcome run(TlsCredentials server, TlsCredentials client) {
        return run(context(server), context(client));
    }

    static Outcome run(SSLContext server, SSLContext client) {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (SSLServerSocket listener = (SSLServerSocket)
                server.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(true);
            listener.setSoTimeout(TIMEOUT_MS);
            Future<Outcome> served = executor.submit(() -> serve(listener));
            X509Certificate sawServer = null;
            Exception clientError = null;
            try {
                sawServer = connect(client, listener.getLocalPort());
            } catch (IOException | RuntimeException e) {
                clientError = e;
            }
            try {
                Outcome s = served.get(2L * TIMEOUT_MS, TimeUnit.MILLISECONDS);
                return new Outcome(s.serverSawClient(), s.clientRole(), sawServer, null, clientError);
            } catch (ExecutionException e) {
                return new Outcome(null, Optional.empty(), sawServer, (Exception) e.getCause(), clientError);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the handshake test harness failed", e);
        } finally {
            executor.shutdownNow();
        }
    }

    /** The server's side of an outcome. */
    private static Outcome serve(SSLServerSocket listener) throws IOException {
        try (SSLSocket socket = (SSLSocket) listener.accept()) {
            socket.setSoTimeout(TIMEOUT_MS);
            socket.startHandshake();
            int b = socket.getInputStream().read();
            socket.getOutputStream().write(b);
            socket.getOutputStream().flush();
            SSLSession session = socket.getSession();
            X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
            return new Outcome(peer, CertificateRole.ofPeer(session), null, null, null);
        }
    }

    private static X509Certificate connect(SSLContext client, int port) throws IOException {
        try (SSLSocket socket =
                (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(TIMEOUT_MS);
            socket.startHandshake();
            socket.getOutputStream().write(42);
            socket.getOutputStream().flush();
            if (socket.getInputStream().read() != 42) {
                throw new IOException("the server did not echo");
            }
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
