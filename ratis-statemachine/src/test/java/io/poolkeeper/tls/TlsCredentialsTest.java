package io.poolkeeper.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TLS connections on loopback between credential sets of {@link PoolCertificateAuthority}: who is let in, and
 * as what role. The server always requires a client certificate, as members do.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsCredentialsTest {
    @TempDir
    static Path dir;

    private static TlsCredentials member1;
    private static TlsCredentials member2;
    private static TlsCredentials client;
    private static TlsCredentials otherPoolMember;
    private static TlsCredentials otherPoolClient;

    @BeforeAll
    static void makePools() {
        PoolCertificateAuthority.initPool(dir.resolve("pool"), "pool", 2);
        PoolCertificateAuthority.initPool(dir.resolve("other"), "pool", 1);
        member1 = TlsCredentials.load(dir.resolve("pool/member-1"));
        member2 = TlsCredentials.load(dir.resolve("pool/member-2"));
        client = TlsCredentials.load(dir.resolve("pool/client"));
        otherPoolMember = TlsCredentials.load(dir.resolve("other/member-1"));
        otherPoolClient = TlsCredentials.load(dir.resolve("other/client"));
    }

    @Test
    void membersConnectAndSeeEachOtherAsMembers() {
        Handshake.Outcome o = Handshake.run(member1, member2);
        assertTrue(o.succeeded(), o.toString());
        assertEquals(member2.certificate(), o.serverSawClient());
        assertEquals(member1.certificate(), o.clientSawServer());
        assertEquals(Optional.of(CertificateRole.MEMBER), o.clientRole());
        assertEquals(CertificateRole.MEMBER, member1.role());
    }

    @Test
    void aClientConnectsToAMemberAndIsSeenAsAClient() {
        Handshake.Outcome o = Handshake.run(member1, client);
        assertTrue(o.succeeded(), o.toString());
        assertEquals(Optional.of(CertificateRole.CLIENT), o.clientRole());
        assertEquals(client.certificate(), o.serverSawClient());
        assertEquals(CertificateRole.CLIENT, client.role());
    }

    @Test
    void aClientCertificateCannotServe() {
        // No serverAuth in its extended key usage: PKIX refuses it as a server's.
        Handshake.Outcome o = Handshake.run(client, member1);
        assertTrue(o.refusedOnBothSides(), o.toString());
        assertTrue(o.reasons().contains("Extended key usage does not permit use for TLS server"), o.reasons());
    }

    @Test
    void anotherPoolsCertificatesAreRefusedOnBothSides() {
        Handshake.Outcome intruderClient = Handshake.run(member1, otherPoolClient);
        assertTrue(intruderClient.refusedOnBothSides(), intruderClient.toString());
        assertTrue(intruderClient.reasons().contains("CertPathBuilderException"), intruderClient.reasons());
        assertNull(intruderClient.serverSawClient());
        Handshake.Outcome intruderMember = Handshake.run(member1, otherPoolMember);
        assertTrue(intruderMember.refusedOnBothSides(), intruderMember.toString());
        Handshake.Outcome intruderServer = Handshake.run(otherPoolMember, client);
        assertTrue(intruderServer.refusedOnBothSides(), intruderServer.toString());
        assertTrue(intruderServer.reasons().contains("CertPathBuilderException"), intruderServer.reasons());
        assertNull(intruderServer.clientSawServer());
    }

    @Test
    void expiredCertificatesAreRefusedOnBothSides() {
        PoolCertificateAuthority ca = PoolCertificateAuthority.load(dir.resolve("pool/ca"));
        Instant now = Instant.now();
        Path expiredDir = dir.resolve("expired");
        ca.issue(
                expiredDir,
                CertificateRole.MEMBER,
                "member-9",
                now.minus(Duration.ofDays(30)),
                now.minus(Duration.ofDays(1)),
                List.of());
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        TlsCredentials expired = TlsCredentials.load(expiredDir, Duration.ofSeconds(1), warnings::add);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("not valid now"), warnings.toString());

        Handshake.Outcome asClient = Handshake.run(member1, expired);
        assertTrue(asClient.refusedOnBothSides(), asClient.toString());
        assertTrue(asClient.reasons().contains("CertificateExpiredException"), asClient.reasons());
        Handshake.Outcome asServer = Handshake.run(expired, member1);
        assertTrue(asServer.refusedOnBothSides(), asServer.toString());
        assertTrue(asServer.reasons().contains("CertificateExpiredException"), asServer.reasons());
    }

    @Test
    void noCertificateIsRefusedWhenClientAuthIsRequired() {
        Handshake.Outcome o = Handshake.run(Handshake.context(member1), Handshake.anonymous(client));
        assertTrue(o.refusedOnBothSides(), o.toString());
        assertTrue(o.reasons().contains("Empty client certificate chain"), o.reasons());
    }

    @Test
    void loadNamesTheMissingFileAndTheLayout() throws Exception {
        Path partial = dir.resolve("partial");
        Files.createDirectories(partial);
        Files.copy(dir.resolve("pool/member-1/ca.pem"), partial.resolve("ca.pem"));
        Files.copy(dir.resolve("pool/member-1/cert.pem"), partial.resolve("cert.pem"));
        IllegalArgumentException missingKey =
                assertThrows(IllegalArgumentException.class, () -> TlsCredentials.load(partial));
        assertTrue(missingKey.getMessage().contains(partial.resolve("key.pem").toString()), missingKey.getMessage());
        assertTrue(missingKey.getMessage().contains("pool-init-tls"), missingKey.getMessage());

        IllegalArgumentException noDir =
                assertThrows(IllegalArgumentException.class, () -> TlsCredentials.load(dir.resolve("nowhere")));
        assertTrue(noDir.getMessage().contains("ca.pem"), noDir.getMessage());

        // A key that is not the certificate's.
        Files.copy(dir.resolve("pool/member-2/key.pem"), partial.resolve("key.pem"));
        IllegalArgumentException mismatch =
                assertThrows(IllegalArgumentException.class, () -> TlsCredentials.load(partial));
        assertTrue(mismatch.getMessage().contains("is not the key of"), mismatch.getMessage());
    }

    @Test
    void theManagersServeTheCurrentGenerationsAlias() {
        assertEquals("pool-1", member1.keyManager().chooseServerAlias("EC", null, null));
        assertNull(member1.keyManager().chooseServerAlias("RSA", null, null), "an EC key serves no RSA key type");
        assertEquals("pool-1", member1.keyManager().chooseEngineClientAlias(new String[] {"RSA", "EC"}, null, null));
        assertEquals(member1.certificate(), member1.keyManager().getCertificateChain("pool-1")[0]);
        assertNull(member1.keyManager().getPrivateKey("pool-7"));
        assertEquals(member1.authorities(), List.of(member1.trustManager().getAcceptedIssuers()));
        assertEquals(dir.resolve("pool/member-1"), member1.directory());
        assertEquals(1, member1.generation());
    }
}
