package io.poolkeeper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.tls.CertificateRole;
import io.poolkeeper.tls.TlsCredentials;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code pool-init-tls} and {@code tls-issue} in this JVM: the files they write, the roles, the refusals. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsCommandsTest {
    private final CliRunner cli = new CliRunner(List.of());

    @TempDir
    Path dir;

    private CliRunner.Result ok(String... args) {
        CliRunner.Result r = cli.run(args);
        assertEquals(ExitStatus.OK, r.status(), String.join(" ", args) + "\n" + r);
        return r;
    }

    private static long days(X509Certificate c) {
        return Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant())
                .toDays();
    }

    @Test
    void poolInitTlsMakesTheLayoutOnceAndSaysWhatNext() throws Exception {
        Path tls = dir.resolve("tls");
        CliRunner.Result r =
                ok("pool-init-tls", "--dir", tls.toString(), "--members", "2", "--pool-name", "prod", "--days", "30");
        assertTrue(r.out().contains("keep it offline"), r.out());
        assertTrue(r.out().contains("--tls-dir " + tls.resolve("member-1")), r.out());
        assertTrue(r.out().contains("--tls-dir " + tls.resolve("client")), r.out());
        assertTrue(Files.isRegularFile(tls.resolve("ca/ca.pem")));
        assertTrue(Files.isRegularFile(tls.resolve("ca/ca-key.pem")));
        assertTrue(Files.notExists(tls.resolve("member-3")));
        for (String member : List.of("member-1", "member-2")) {
            TlsCredentials credentials = TlsCredentials.load(tls.resolve(member));
            assertEquals(CertificateRole.MEMBER, credentials.role());
            assertEquals(
                    "CN=" + member + ",OU=prod,O=poolkeeper",
                    credentials.certificate().getSubjectX500Principal().getName());
            assertEquals(30, days(credentials.certificate()), 1);
        }
        assertEquals(
                CertificateRole.CLIENT,
                TlsCredentials.load(tls.resolve("client")).role());

        byte[] caKey = Files.readAllBytes(tls.resolve("ca/ca-key.pem"));
        CliRunner.Result again = cli.run("pool-init-tls", "--dir", tls.toString());
        assertEquals(ExitStatus.USAGE, again.status(), again.toString());
        assertTrue(again.err().contains(tls.resolve("ca") + " exists; refusing to overwrite"), again.err());
        assertTrue(java.util.Arrays.equals(caKey, Files.readAllBytes(tls.resolve("ca/ca-key.pem"))));

        CliRunner.Result noMembers =
                cli.run("pool-init-tls", "--dir", dir.resolve("x").toString(), "--members", "0");
        assertEquals(ExitStatus.USAGE, noMembers.status(), noMembers.toString());
        assertTrue(Files.notExists(dir.resolve("x")));
    }

    @Test
    void tlsIssueAddsMembersAndClientsAndRotatesInPlace() {
        Path tls = dir.resolve("tls");
        ok("pool-init-tls", "--dir", tls.toString(), "--members", "1");
        String ca = tls.resolve("ca").toString();

        ok("tls-issue", "--ca", ca, "--out", tls.resolve("member-2").toString(), "--san", "10.0.0.2");
        TlsCredentials member2 = TlsCredentials.load(tls.resolve("member-2"));
        assertEquals(CertificateRole.MEMBER, member2.role());
        assertTrue(member2.certificate().getSubjectX500Principal().getName().startsWith("CN=member-2,OU=pool,"));

        ok("tls-issue", "--ca", ca, "--out", dir.resolve("alice").toString(), "--client", "--name", "alice-cli");
        TlsCredentials alice = TlsCredentials.load(dir.resolve("alice"));
        assertEquals(CertificateRole.CLIENT, alice.role());
        assertTrue(alice.certificate().getSubjectX500Principal().getName().startsWith("CN=alice-cli,"));

        TlsCredentials member1 = TlsCredentials.load(tls.resolve("member-1"));
        BigInteger before = member1.certificate().getSerialNumber();
        CliRunner.Result rotated =
                ok("tls-issue", "--ca", ca, "--out", tls.resolve("member-1").toString());
        assertTrue(rotated.out().startsWith("Re-issued member credentials CN=member-1,"), rotated.out());
        assertTrue(member1.reloadIfChanged(), "a running member picks the re-issued files up");
        assertNotEquals(before, member1.certificate().getSerialNumber());
        assertTrue(
                rotated.out().contains(member1.certificate().getSerialNumber().toString(16)), rotated.out());

        CliRunner.Result noCa =
                cli.run("tls-issue", "--ca", dir.resolve("nowhere").toString(), "--out", "x");
        assertEquals(ExitStatus.USAGE, noCa.status(), noCa.toString());
        assertTrue(noCa.err().contains("ca.pem"), noCa.err());
        CliRunner.Result badDays = cli.run("tls-issue", "--ca", ca, "--out", "x", "--days", "0");
        assertEquals(ExitStatus.USAGE, badDays.status(), badDays.toString());
    }

    @Test
    void bothCommandsAreInTheHelp() {
        CliRunner.Result help = ok("--help");
        assertTrue(help.out().contains("pool-init-tls"), help.out());
        assertTrue(help.out().contains("tls-issue"), help.out());
        assertTrue(ok("help", "pool-init-tls").out().contains("--members"));
        assertTrue(ok("tls-issue", "--help").out().contains("--client"));
    }
}
