package io.poolkeeper.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents the current certificate of a {@link TlsCredentials} under the alias of its generation. Choosing an alias
 * starts a handshake, so that is where the files are checked for a change; the chain and key of the alias chosen
 * stay available for one more reload, so a handshake that chose its alias just before a reload completes.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private final TlsCredentials credentials;

    ReloadingKeyManager(TlsCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return choose(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return choose(keyTypes);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return aliases(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return aliases(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Material m = credentials.material(alias);
        return m == null ? null : m.chain().toArray(new X509Certificate[0]);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Material m = credentials.material(alias);
        return m == null ? null : m.key();
    }

    private String choose(String... keyTypes) {
        credentials.refresh();
        Material m = credentials.current();
        if (keyTypes != null) {
            for (String keyType : keyTypes) {
                if (fits(m, keyType)) {
                    return m.alias();
                }
            }
        }
        return null;
    }

    private String[] aliases(String keyType) {
        Material m = credentials.current();
        return fits(m, keyType) ? new String[] {m.alias()} : null;
    }

    /**
     * Whether the key serves a key type the JDK or Netty asks for: {@code EC}, {@code RSA}, ... or the TLS 1.2 forms
     * {@code EC_EC}, {@code EC_RSA} (key algorithm, then the CA's signature algorithm, not checked here).
     */
    private static boolean fits(Material m, String keyType) {
        if (keyType == null) {
            return false;
        }
        String algorithm = m.key().getAlgorithm();
        return keyType.equalsIgnoreCase(algorithm)
                || keyType.toUpperCase(java.util.Locale.ROOT)
                        .startsWith(algorithm.toUpperCase(java.util.Locale.ROOT) + "_");
    }
}
