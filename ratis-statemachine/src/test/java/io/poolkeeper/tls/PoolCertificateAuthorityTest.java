package io.poolkeeper.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The files and certificates a pool's CA makes: layout, modes, subjects, extensions, validity, refusals. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolCertificateAuthorityTest {
    @TempDir
    Path dir;

    @Test
    void initPoolMakesTheCaMembersAndAClient() throws Exception {
        List<Path> made = PoolCertificateAuthority.initPool(dir, "prod", 3);
        assertEquals(
                List.of(
                        dir.resolve("member-1"),
                        dir.resolve("member-2"),
                        dir.resolve("member-3"),
                        dir.resolve("client")),
                made);
        assertEquals(List.of("ca-key.pem", "ca.pem"), names(dir.resolve("ca")), "no temporary file left behind");
        assertEquals("rw-------", mode(dir.resolve("ca/ca-key.pem")));
        assertEquals("rwx------", mode(dir.resolve("ca")));

        X509Certificate ca = Pem.readCertificates(dir.resolve("ca/ca.pem")).get(0);
        assertEquals(0, ca.getBasicConstraints(), "a CA of path length 0");
        assertTrue(ca.getKeyUsage()[5] && ca.getKeyUsage()[6], "keyCertSign and cRLSign");
        assertEquals(Optional.empty(), CertificateRole.of(ca));
        assertTrue(ca.getSubjectX500Principal().getName().endsWith(",OU=prod,O=poolkeeper"), ca.toString());
        assertEquals(3650, days(ca), 1);
        ca.verify(ca.getPublicKey());

        List<BigInteger> serials = new ArrayList<>();
        for (Path set : made) {
            assertEquals(List.of("ca.pem", "cert.pem", "key.pem"), names(set));
            assertEquals("rw-------", mode(set.resolve("key.pem")));
            assertEquals("rw-r--r--", mode(set.resolve("cert.pem")));
            assertEquals(Files.readString(dir.resolve("ca/ca.pem")), Files.readString(set.resolve("ca.pem")));
            TlsCredentials credentials = TlsCredentials.load(set);
            X509Certificate leaf = credentials.certificate();
            leaf.verify(ca.getPublicKey());
            assertEquals(
                    "CN=" + set.getFileName() + ",OU=prod,O=poolkeeper",
                    leaf.getSubjectX500Principal().getName());
            assertEquals("SHA256withECDSA", leaf.getSigAlgName());
            assertEquals("EC", leaf.getPublicKey().getAlgorithm());
            assertEquals(-1, leaf.getBasicConstraints(), "not a CA");
            assertTrue(leaf.getKeyUsage()[0], "digitalSignature");
            assertEquals(365, days(leaf), 1);
            assertEquals(128, leaf.getSerialNumber().bitLength());
            assertEquals(1, leaf.getSerialNumber().signum());
            serials.add(leaf.getSerialNumber());
        }
        assertEquals(4, serials.stream().distinct().count());

        X509Certificate member = TlsCredentials.load(dir.resolve("member-2")).certificate();
        assertEquals(Optional.of(CertificateRole.MEMBER), CertificateRole.of(member));
        assertEquals(
                List.of(List.of(2, "localhost"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1")),
                member.getSubjectAlternativeNames().stream().toList());
        X509Certificate client = TlsCredentials.load(dir.resolve("client")).certificate();
        assertEquals(Optional.of(CertificateRole.CLIENT), CertificateRole.of(client));
        assertEquals(List.of(CertificateRole.CLIENT_AUTH), client.getExtendedKeyUsage());
        assertEquals(null, client.getSubjectAlternativeNames());
    }

    @Test
    void aCaIsNeverOverwritten() throws Exception {
        PoolCertificateAuthority.initPool(dir, "prod", 1);
        byte[] key = Files.readAllBytes(dir.resolve("ca/ca-key.pem"));
        IllegalStateException again =
                assertThrows(IllegalStateException.class, () -> PoolCertificateAuthority.initPool(dir, "prod", 1));
        assertTrue(again.getMessage().contains(dir.resolve("ca").toString()), again.getMessage());
        assertThrows(
                IllegalStateException.class,
                () -> PoolCertificateAuthority.create(dir.resolve("ca"), "prod", Duration.ofDays(1)));
        assertArrayEquals(key, Files.readAllBytes(dir.resolve("ca/ca-key.pem")));
    }

    @Test
    void reissuingReplacesTheSetAndStopsAtTheCasEnd() throws Exception {
        PoolCertificateAuthority ca = PoolCertificateAuthority.create(dir.resolve("ca"), "test", Duration.ofDays(10));
        assertEquals("test", ca.poolName());
        X509Certificate first = ca.issue(dir.resolve("m"), CertificateRole.MEMBER, "m", Duration.ofDays(1));
        String firstKey = Files.readString(dir.resolve("m/key.pem"));
        X509Certificate second = ca.issue(
                dir.resolve("m"),
                CertificateRole.MEMBER,
                "m",
                Duration.ofDays(365),
                List.of("db1.example", "10.1.2.3"));
        assertNotEquals(first.getSerialNumber(), second.getSerialNumber());
        assertNotEquals(firstKey, Files.readString(dir.resolve("m/key.pem")), "a new key each time");
        assertEquals(List.of("ca.pem", "cert.pem", "key.pem"), names(dir.resolve("m")));
        assertEquals(second, TlsCredentials.load(dir.resolve("m")).certificate());
        assertEquals(ca.certificate().getNotAfter(), second.getNotAfter(), "no leaf outlives its CA");
        assertTrue(second.getSubjectAlternativeNames().contains(List.of(2, "db1.example")));
        assertTrue(second.getSubjectAlternativeNames().contains(List.of(7, "10.1.2.3")));
        assertThrows(
                IllegalArgumentException.class,
                () -> ca.issue(dir.resolve("x"), CertificateRole.CLIENT, " ", Duration.ofDays(1)));
        assertThrows(
                IllegalArgumentException.class,
                () -> ca.issue(dir.resolve("x"), CertificateRole.CLIENT, "x", Duration.ZERO));
        assertFalse(Files.exists(dir.resolve("x")), "a refused issue writes nothing");
    }

    @Test
    void loadNeedsBothFilesAndAMatchingKey() throws Exception {
        PoolCertificateAuthority.create(dir.resolve("a"), "p", Duration.ofDays(10));
        PoolCertificateAuthority.create(dir.resolve("b"), "p", Duration.ofDays(10));
        Files.delete(dir.resolve("b/ca-key.pem"));
        IllegalArgumentException missing =
                assertThrows(IllegalArgumentException.class, () -> PoolCertificateAuthority.load(dir.resolve("b")));
        assertTrue(missing.getMessage().contains("ca-key.pem"), missing.getMessage());
        Files.copy(dir.resolve("a/ca-key.pem"), dir.resolve("b/ca-key.pem"));
        IllegalArgumentException foreign =
                assertThrows(IllegalArgumentException.class, () -> PoolCertificateAuthority.load(dir.resolve("b")));
        assertTrue(foreign.getMessage().contains("is the key of no certificate"), foreign.getMessage());
    }

    private static long days(X509Certificate c) {
        return Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant())
                .toDays();
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String mode(Path file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
