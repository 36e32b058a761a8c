package io.poolkeeper.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates and CAs rotated without a restart: a member following its directory presents a re-issued certificate
 * to new connections, keeps its old one while the new files are incomplete, and trusts a bundle of old and new CA.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsRotationTest {
    // Long enough that only reloadIfChanged() reloads, unless a test asks for a short one.
    private static final Duration MANUAL = Duration.ofHours(1);

    @TempDir
    Path dir;

    private PoolCertificateAuthority ca;
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    @BeforeEach
    void makePool() {
        PoolCertificateAuthority.initPool(dir, "pool", 2);
        ca = PoolCertificateAuthority.load(dir.resolve("ca"));
    }

    private TlsCredentials load(String name, Duration interval) {
        return TlsCredentials.load(dir.resolve(name), interval, warnings::add);
    }

    private X509Certificate servedBy(TlsCredentials server, TlsCredentials client) {
        Handshake.Outcome o = Handshake.run(server, client);
        assertTrue(o.succeeded(), o.toString());
        return o.clientSawServer();
    }

    @Test
    void aReissuedCertificateIsPresentedToNewConnectionsAfterTheReload() {
        TlsCredentials server = load("member-1", MANUAL);
        TlsCredentials client = load("member-2", MANUAL);
        X509Certificate old = servedBy(server, client);
        assertEquals(server.certificate(), old);

        X509Certificate reissued =
                ca.issue(dir.resolve("member-1"), CertificateRole.MEMBER, "member-1", Duration.ofDays(30));
        assertEquals(old, servedBy(server, client), "the old certificate serves until the files are checked");

        assertTrue(server.reloadIfChanged());
        assertEquals(2, server.generation());
        assertEquals("pool-2", server.keyManager().chooseServerAlias("EC", null, null));
        assertEquals(reissued.getSerialNumber(), servedBy(server, client).getSerialNumber());
        assertNotEquals(old.getSerialNumber(), reissued.getSerialNumber());
        assertFalse(server.reloadIfChanged(), "nothing changed since");
        assertEquals(List.of(), warnings);
    }

    @Test
    void aReissuedCertificateIsNoticedWithinTheCheckInterval() {
        TlsCredentials server = load("member-1", Duration.ofMillis(100));
        TlsCredentials client = load("client", MANUAL);
        X509Certificate old = servedBy(server, client);
        X509Certificate reissued =
                ca.issue(dir.resolve("member-1"), CertificateRole.MEMBER, "member-1", Duration.ofDays(30));
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> servedBy(server, client).getSerialNumber().equals(reissued.getSerialNumber()));
        assertNotEquals(old.getSerialNumber(), server.certificate().getSerialNumber());
    }

    @Test
    void filesThatDoNotLoadKeepTheOldCredentialsWithOneWarningPerChange() throws Exception {
        TlsCredentials server = load("member-1", MANUAL);
        TlsCredentials client = load("member-2", MANUAL);
        X509Certificate old = server.certificate();
        Path certFile = dir.resolve("member-1/cert.pem");

        Files.writeString(certFile, "-----BEGIN CERTIFICATE-----\nMIIB half written");
        assertFalse(server.reloadIfChanged());
        assertFalse(server.reloadIfChanged());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(dir.resolve("member-1").toString()), warnings.get(0));
        assertFalse(warnings.get(0).contains("\n"), "one line: " + warnings.get(0));
        assertEquals(old, servedBy(server, client));

        // A rotation caught between its key and its certificate: the new key with the old certificate.
        Path next = dir.resolve("next");
        X509Certificate reissued = ca.issue(next, CertificateRole.MEMBER, "member-1", Duration.ofDays(30));
        Files.writeString(certFile, Pem.certificates(List.of(old)));
        Files.copy(next.resolve("key.pem"), dir.resolve("member-1/key.pem"), StandardCopyOption.REPLACE_EXISTING);
        assertFalse(server.reloadIfChanged());
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(1).contains("is not the key of"), warnings.get(1));
        assertEquals(old, servedBy(server, client));
        assertEquals(1, server.generation());

        Files.copy(next.resolve("cert.pem"), certFile, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(server.reloadIfChanged());
        assertEquals(reissued, servedBy(server, client));
        assertEquals(2, warnings.size(), warnings.toString());
    }

    @Test
    void aBundleOfTheOldAndTheNewCaTrustsLeavesOfBoth() throws Exception {
        // The new CA's directory trusts both; what it issues carries the bundle.
        Path newCaDir = dir.resolve("new-ca");
        PoolCertificateAuthority.create(newCaDir, "pool", Duration.ofDays(3650));
        String bundle = Files.readString(newCaDir.resolve("ca.pem")) + Files.readString(dir.resolve("ca/ca.pem"));
        Files.writeString(newCaDir.resolve("ca.pem"), bundle);
        PoolCertificateAuthority newCa = PoolCertificateAuthority.load(newCaDir);
        assertEquals(2, newCa.bundle().size());
        assertEquals(newCa.bundle().get(0), newCa.certificate(), "the CA signs with the certificate of its key");
        newCa.issue(dir.resolve("new-member"), CertificateRole.MEMBER, "member-3", Duration.ofDays(30));

        TlsCredentials server = load("new-member", MANUAL);
        TlsCredentials oldLeaf = load("member-2", MANUAL);
        TlsCredentials newLeaf = load("new-member", MANUAL);
        assertEquals(2, server.authorities().size());

        // member-2 trusts the old CA only, so it refuses the new CA's member until it is given the bundle.
        Handshake.Outcome before = Handshake.run(server, oldLeaf);
        assertTrue(before.refusedOnBothSides(), before.toString());
        Files.writeString(dir.resolve("member-2/ca.pem"), bundle);
        assertTrue(oldLeaf.reloadIfChanged());
        assertEquals(2, oldLeaf.authorities().size());

        assertTrue(Handshake.run(server, oldLeaf).succeeded(), "a leaf of the old CA");
        assertTrue(Handshake.run(server, newLeaf).succeeded(), "a leaf of the new CA");
        assertTrue(Handshake.run(oldLeaf, newLeaf).succeeded(), "the old CA's member serves the new one's");
    }
}
