package io.poolkeeper.tls;

import com.google.common.net.InetAddresses;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes the pool's keys and certificates with BouncyCastle's certificate builder, signing with the JDK's own EC
 * provider: no provider is registered JVM-wide. Keys are EC P-256, signatures SHA256withECDSA, serial numbers random
 * positive 128-bit integers.
 */
final class Certificates {
    static final String ORGANIZATION = "poolkeeper";
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Certificates() {}

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make EC P-256 keys", e);
        }
    }

    /** O=poolkeeper, OU=pool, CN=name (printed by the JDK as {@code CN=name, OU=pool, O=poolkeeper}). */
    static X500Name subject(String poolName, String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, ORGANIZATION)
                .addRDN(BCStyle.OU, poolName)
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    /** The pool name (OU) of a certificate made here. */
    static String poolName(X509Certificate certificate) {
        X500Name name =
                X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        var rdns = name.getRDNs(BCStyle.OU);
        if (rdns.length == 0) {
            throw new IllegalArgumentException(
                    "the CA certificate " + certificate.getSubjectX500Principal() + " names no pool (OU)");
        }
        return rdns[0].getFirst().getValue().toString();
    }

    /** A self-signed CA: basic constraints CA, path length 0 (it signs leaves only), keyCertSign and cRLSign. */
    static X509Certificate authority(KeyPair keys, String poolName, Instant notBefore, Instant notAfter) {
        BigInteger serial = serial();
        // A CA rotation trusts the old and the new CA at once: distinct names keep their chains apart.
        X500Name subject =
                subject(poolName, "poolkeeper CA " + serial.toString(16).substring(0, 8));
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            subject, serial, Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(
                            Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            return sign(builder, keys.getPrivate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot make the pool's CA certificate", e);
        }
    }

    /**
     * A leaf certificate of {@code role} for {@code subjectKey}, signed by the CA. Members get the subject
     * alternative names localhost, 127.0.0.1 and ::1 besides {@code altNames} (DNS names or IP literals); no peer
     * checks them (no hostname verification), they only make the certificates usable by ordinary TLS tools.
     */
    static X509Certificate leaf(
            X509Certificate ca,
            PrivateKey caKey,
            PublicKey subjectKey,
            X500Name subject,
            CertificateRole role,
            List<String> altNames,
            Instant notBefore,
            Instant notAfter) {
        List<String> names = new ArrayList<>();
        if (role == CertificateRole.MEMBER) {
            names.addAll(List.of("localhost", "127.0.0.1", "::1"));
        }
        altNames.stream().filter(n -> !names.contains(n)).forEach(names::add);
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            ca, serial(), Date.from(notBefore), Date.from(notAfter), toJdk(subject), subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, extendedKeyUsage(role))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey))
                    .addExtension(
                            Extension.authorityKeyIdentifier,
                            false,
                            utils.createAuthorityKeyIdentifier(ca.getPublicKey()));
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, generalNames(names));
            }
            return sign(builder, caKey);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + subject, e);
        }
    }

    private static ExtendedKeyUsage extendedKeyUsage(CertificateRole role) {
        return role == CertificateRole.MEMBER
                ? new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})
                : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth);
    }

    private static GeneralNames generalNames(List<String> names) {
        return new GeneralNames(names.stream()
                .map(n -> InetAddresses.isInetAddress(n)
                        ? new GeneralName(GeneralName.iPAddress, n)
                        : new GeneralName(GeneralName.dNSName, n))
                .toArray(GeneralName[]::new));
    }

    private static javax.security.auth.x500.X500Principal toJdk(X500Name name) {
        try {
            return new javax.security.auth.x500.X500Principal(name.getEncoded());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot encode " + name, e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign with " + SIGNATURE + ": " + e.getMessage(), e);
        }
    }

    /** A random positive serial number of exactly 128 bits (RFC 5280 allows up to 20 octets). */
    private static BigInteger serial() {
        return new BigInteger(128, RANDOM).setBit(127);
    }
}
