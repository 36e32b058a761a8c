package io.poolkeeper.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A pool's certificate authority, kept in a directory as {@code ca.pem} (the CA certificates the pool trusts: one,
 * or the old and the new one during a CA rotation) and {@code ca-key.pem} (the signing key, 0600; keep it offline,
 * it is needed only to issue certificates). It issues credential sets that {@link TlsCredentials} loads: {@code
 * ca.pem}, {@code cert.pem} and {@code key.pem}, each replaced atomically, so a member following its directory never
 * reads a file half-written.
 */
public final class PoolCertificateAuthority {
    /** The file of the CA's private key in the CA directory. */
    public static final String CA_KEY = "ca-key.pem";
    /** A new CA is valid this long by default. */
    public static final Duration DEFAULT_CA_VALIDITY = Duration.ofDays(3650);
    /** A member's or client's certificate is valid this long by default. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);
    /** The directory of the CA, and the prefix of members' directories, in a pool's TLS directory. */
    public static final String CA_DIR = "ca";

    public static final String MEMBER_PREFIX = "member-";
    public static final String CLIENT_DIR = "client";
    // Certificates start a little in the past: the hosts' clocks are not exactly the issuer's.
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private final Path dir;
    private final List<X509Certificate> bundle;
    private final X509Certificate certificate;
    private final PrivateKey key;

    private PoolCertificateAuthority(
            Path dir, List<X509Certificate> bundle, X509Certificate certificate, PrivateKey key) {
        this.dir = dir;
        this.bundle = List.copyOf(bundle);
        this.certificate = certificate;
        this.key = key;
    }

    /**
     * Creates a new CA for {@code poolName} in {@code caDir} (created if needed).
     *
     * @throws IllegalStateException if {@code caDir} already holds a CA: it is never overwritten
     */
    public static PoolCertificateAuthority create(Path caDir, String poolName, Duration validity) {
        requireName("pool name", poolName);
        requirePositive(validity);
        Path caFile = caDir.resolve(Material.CA);
        Path keyFile = caDir.resolve(CA_KEY);
        if (Files.exists(caFile) || Files.exists(keyFile)) {
            throw new IllegalStateException(
                    caDir + " already holds a CA (" + Material.CA + " or " + CA_KEY + "); refusing to overwrite it");
        }
        createDirectory(caDir, true);
        KeyPair keys = Certificates.newKeyPair();
        Instant now = Instant.now();
        X509Certificate ca = Certificates.authority(keys, poolName, now.minus(BACKDATE), now.plus(validity));
        Pem.writeAtomically(keyFile, Pem.privateKey(keys.getPrivate()), true);
        Pem.writeAtomically(caFile, Pem.certificates(List.of(ca)), false);
        return new PoolCertificateAuthority(caDir, List.of(ca), ca, keys.getPrivate());
    }

    /**
     * Loads the CA of {@code caDir}: its signing certificate is the one of {@code ca.pem} whose key is in {@code
     * ca-key.pem}; all of {@code ca.pem} is copied into the credential sets it issues.
     */
    public static PoolCertificateAuthority load(Path caDir) {
        for (Path file : List.of(caDir.resolve(Material.CA), caDir.resolve(CA_KEY))) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("missing " + file + ": a CA directory holds " + Material.CA + " and "
                        + CA_KEY + ", made by 'poolkeeper pool-init-tls'");
            }
        }
        List<X509Certificate> bundle = Pem.readCertificates(caDir.resolve(Material.CA));
        PrivateKey key = Pem.readPrivateKey(caDir.resolve(CA_KEY));
        X509Certificate signer = bundle.stream()
                .filter(c -> Material.matches(key, c.getPublicKey()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        caDir.resolve(CA_KEY) + " is the key of no certificate in " + caDir.resolve(Material.CA)));
        return new PoolCertificateAuthority(caDir, bundle, signer, key);
    }

    /**
     * Creates a pool's TLS directory: {@code dir/ca} (the CA), {@code dir/member-1} ... {@code dir/member-N} and
     * {@code dir/client}, each a credential set valid for {@link #DEFAULT_VALIDITY}.
     *
     * @return the credential directories made, members first
     * @throws IllegalStateException if {@code dir/ca} exists
     */
    public static List<Path> initPool(Path dir, String poolName, int members) {
        return initPool(dir, poolName, members, DEFAULT_VALIDITY);
    }

    /** As {@link #initPool(Path, String, int)}, members' and client's certificates valid for {@code validity}. */
    public static List<Path> initPool(Path dir, String poolName, int members, Duration validity) {
        if (members < 1) {
            throw new IllegalArgumentException("a pool has at least one member, not " + members);
        }
        requirePositive(validity);
        Path caDir = dir.resolve(CA_DIR);
        if (Files.exists(caDir)) {
            throw new IllegalStateException(caDir + " exists; refusing to overwrite a pool's CA");
        }
        PoolCertificateAuthority ca = create(caDir, poolName, DEFAULT_CA_VALIDITY);
        List<Path> made = new ArrayList<>();
        for (int i = 1; i <= members; i++) {
            Path member = dir.resolve(MEMBER_PREFIX + i);
            ca.issue(member, CertificateRole.MEMBER, MEMBER_PREFIX + i, validity);
            made.add(member);
        }
        ca.issue(dir.resolve(CLIENT_DIR), CertificateRole.CLIENT, CLIENT_DIR, validity);
        made.add(dir.resolve(CLIENT_DIR));
        return List.copyOf(made);
    }

    /** As {@link #issue(Path, CertificateRole, String, Duration, List)} with no more subject alternative names. */
    public X509Certificate issue(Path outDir, CertificateRole role, String commonName, Duration validity) {
        return issue(outDir, role, commonName, validity, List.of());
    }

    /**
     * Issues a credential set into {@code outDir} (created if needed; an existing set is replaced: rotation): a new
     * key in {@code key.pem} (0600), its certificate in {@code cert.pem}, the CA bundle in {@code ca.pem}. The
     * certificate's subject is {@code CN=commonName, OU=pool name, O=poolkeeper}; it is valid for {@code validity},
     * or until the CA expires if sooner. Files are replaced one by one, atomically: first the bundle, then the key,
     * then the certificate; a reader that sees the new key with the old certificate waits for the certificate.
     *
     * @param altNames more subject alternative names (DNS names or IP literals) besides a member's localhost,
     *     127.0.0.1 and ::1
     * @return the certificate issued
     */
    public X509Certificate issue(
            Path outDir, CertificateRole role, String commonName, Duration validity, List<String> altNames) {
        requirePositive(validity);
        Instant now = Instant.now();
        return issue(outDir, role, commonName, now.minus(BACKDATE), now.plus(validity), altNames);
    }

    /** Issues with explicit dates (tests: a certificate already expired). */
    X509Certificate issue(
            Path outDir,
            CertificateRole role,
            String commonName,
            Instant notBefore,
            Instant notAfter,
            List<String> altNames) {
        Objects.requireNonNull(role, "role");
        requireName("common name", commonName);
        Instant caEnd = certificate.getNotAfter().toInstant();
        Instant end = notAfter.isAfter(caEnd) ? caEnd : notAfter;
        KeyPair keys = Certificates.newKeyPair();
        X509Certificate leaf = Certificates.leaf(
                certificate,
                key,
                keys.getPublic(),
                Certificates.subject(poolName(), commonName),
                role,
                altNames,
                notBefore,
                end);
        createDirectory(outDir, false);
        Pem.writeAtomically(outDir.resolve(Material.CA), Pem.certificates(bundle), false);
        Pem.writeAtomically(outDir.resolve(Material.KEY), Pem.privateKey(keys.getPrivate()), true);
        Pem.writeAtomically(outDir.resolve(Material.CERT), Pem.certificates(List.of(leaf)), false);
        return leaf;
    }

    /** The CA's signing certificate. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** Every CA certificate of {@code ca.pem}, the signing one included. */
    public List<X509Certificate> bundle() {
        return bundle;
    }

    /** The pool's name, the OU of the CA's subject. */
    public String poolName() {
        return Certificates.poolName(certificate);
    }

    /** The CA directory. */
    public Path directory() {
        return dir;
    }

    private static void createDirectory(Path dir, boolean secret) {
        try {
            if (Files.isDirectory(dir)) {
                return;
            }
            Files.createDirectories(dir);
            if (secret && Pem.isPosix(dir)) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void requireName(String what, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("the " + what + " must not be blank");
        }
    }

    private static void requirePositive(Duration validity) {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("a validity must be positive, not " + validity);
        }
    }
}
