package io.poolkeeper.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * One loaded credential set, immutable: the leaf chain and its key, the CA bundle and the PKIX trust manager over it,
 * and the files' stamps it was loaded from. Its alias changes with its generation, so nothing that caches key
 * material by alias (Netty's OpenSSL key material cache) serves an older key.
 */
record Material(
        long generation,
        List<X509Certificate> chain,
        PrivateKey key,
        List<X509Certificate> authorities,
        X509TrustManager trust,
        CertificateRole role,
        Stamps stamps) {
    static final String CA = "ca.pem";
    static final String CERT = "cert.pem";
    static final String KEY = "key.pem";
    static final String LAYOUT = "a TLS directory holds " + CA + " (the pool's CA certificates), " + CERT
            + " (this member's or client's certificate, then its chain) and " + KEY
            + " (its PKCS#8 private key); 'poolkeeper pool-init-tls' and 'poolkeeper tls-issue' make them";

    String alias() {
        return "pool-" + generation;
    }

    X509Certificate leaf() {
        return chain.get(0);
    }

    /** The size, modification time and file key (inode) of the three files; equal stamps mean unchanged files. */
    record Stamps(List<Stamp> files) {
        static Stamps of(Path dir) {
            return new Stamps(
                    List.of(Stamp.of(dir.resolve(CA)), Stamp.of(dir.resolve(CERT)), Stamp.of(dir.resolve(KEY))));
        }
    }

    /** One file's stamp; a missing or unreadable file has size -1. */
    record Stamp(Object fileKey, FileTime modified, long size) {
        static Stamp of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(a.fileKey(), a.lastModifiedTime(), a.size());
            } catch (IOException e) {
                return new Stamp(null, null, -1);
            }
        }
    }

    /**
     * Loads the credential set of {@code dir}; {@code stamps} must have been read before, so that a change made while
     * loading shows as a change at the next check.
     *
     * @throws IllegalArgumentException naming the file that is missing or malformed, or when key and certificate do
     *     not match (a rotation written half-way)
     */
    static Material load(Path dir, long generation, Stamps stamps) {
        List<X509Certificate> authorities = certificates(dir.resolve(CA));
        List<X509Certificate> chain = certificates(dir.resolve(CERT));
        PrivateKey key = privateKey(dir.resolve(KEY));
        X509Certificate leaf = chain.get(0);
        if (!matches(key, leaf.getPublicKey())) {
            throw new IllegalArgumentException(dir.resolve(KEY) + " is not the key of " + dir.resolve(CERT)
                    + " (serial " + leaf.getSerialNumber().toString(16) + "): a rotation not yet complete?");
        }
        CertificateRole role = CertificateRole.of(leaf)
                .orElseThrow(() -> new IllegalArgumentException(dir.resolve(CERT)
                        + " is neither a member's certificate (extended key usage serverAuth and clientAuth) nor a"
                        + " client's (clientAuth)"));
        return new Material(generation, chain, key, authorities, trustManager(authorities), role, stamps);
    }

    private static List<X509Certificate> certificates(Path file) {
        checkExists(file);
        return Pem.readCertificates(file);
    }

    private static PrivateKey privateKey(Path file) {
        checkExists(file);
        return Pem.readPrivateKey(file);
    }

    private static void checkExists(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("missing " + file + ": " + LAYOUT);
        }
        if (!Files.isReadable(file)) {
            throw new UncheckedIOException(
                    file + " is not readable by this process: " + LAYOUT, new NoSuchFileException(file.toString()));
        }
    }

    /** PKIX over the bundle: revocation is not checked (the pool has no CRL), expiry and key usage are. */
    private static X509TrustManager trustManager(List<X509Certificate> authorities) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("ca-" + i, authorities.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK's PKIX TrustManagerFactory made no X509TrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager over " + CA + ": " + e, e);
        }
    }

    /** Whether the private key is that of the public key: signs a probe and verifies it. */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm =
                switch (key.getAlgorithm()) {
                    case "EC" -> "SHA256withECDSA";
                    case "RSA" -> "SHA256withRSA";
                    default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA
                };
        byte[] probe = "poolkeeper key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
