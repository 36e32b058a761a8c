package io.poolkeeper.cli;

import io.poolkeeper.tls.CertificateRole;
import io.poolkeeper.tls.PoolCertificateAuthority;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code poolkeeper tls-issue}: one more member's or client's credential set from the pool's CA, or a new one over
 * an existing set (rotation): the files are replaced atomically, and a running member picks them up within a second.
 */
@Command(
        name = "tls-issue",
        description = {
            "Issue a member's (default) or a client's TLS credentials from the pool's CA into OUTDIR: ca.pem,"
                    + " cert.pem, key.pem.",
            "An existing OUTDIR is re-issued (rotation): each file is replaced atomically, and a member using OUTDIR"
                    + " presents the new certificate to new connections within a second, without a restart."
        },
        sortOptions = false)
final class TlsIssueCommand implements Callable<Integer> {
    @Option(
            names = "--ca",
            required = true,
            paramLabel = "DIR",
            description = "the CA directory (ca.pem, ca-key.pem), e.g. DIR/ca of pool-init-tls")
    Path ca;

    @Option(names = "--out", required = true, paramLabel = "OUTDIR", description = "where to write the credentials")
    Path out;

    @Option(names = "--client", description = "a client's credentials (default: a member's)")
    boolean client;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            description = "the certificate's common name (default: OUTDIR's file name)")
    String name;

    @Option(
            names = "--days",
            paramLabel = "D",
            defaultValue = "365",
            description = "valid D days, at most until the CA expires (default ${DEFAULT-VALUE})")
    int days;

    @Option(
            names = "--san",
            paramLabel = "NAME",
            description = "one more subject alternative name, DNS name or IP address (repeatable)")
    List<String> altNames = new ArrayList<>();

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "show this help")
    boolean help;

    private final PrintStream stdout;
    private final PrintStream err;

    TlsIssueCommand(PrintStream stdout, PrintStream err) {
        this.stdout = stdout;
        this.err = err;
    }

    /** A validity of whole days, at least one. */
    static Duration days(int days) {
        if (days < 1) {
            throw new UsageException("--days: at least 1, not " + days);
        }
        return Duration.ofDays(days);
    }

    @Override
    public Integer call() {
        Duration validity = days(days);
        Path fileName = out.toAbsolutePath().normalize().getFileName();
        String commonName = name != null ? name : fileName == null ? "" : fileName.toString();
        if (commonName.isBlank()) {
            throw new UsageException("--name: needed when OUTDIR has no file name");
        }
        boolean rotation = Files.exists(out.resolve("cert.pem"));
        CertificateRole role = client ? CertificateRole.CLIENT : CertificateRole.MEMBER;
        X509Certificate issued;
        try {
            issued = PoolCertificateAuthority.load(ca).issue(out, role, commonName, validity, altNames);
        } catch (UncheckedIOException e) {
            err.println("tls-issue: " + e.getMessage());
            return ExitStatus.FAILED;
        }
        stdout.println((rotation ? "Re-issued " : "Issued ") + role.name().toLowerCase(java.util.Locale.ROOT)
                + " credentials " + issued.getSubjectX500Principal().getName() + " into " + out);
        stdout.println("  serial " + issued.getSerialNumber().toString(16) + ", valid until "
                + issued.getNotAfter().toInstant());
        stdout.println("  " + out.resolve("ca.pem") + ", " + out.resolve("cert.pem") + ", " + out.resolve("key.pem")
                + " (0600)");
        if (rotation) {
            stdout.println("A member or client using " + out + " presents the new certificate to new connections"
                    + " within a second; open connections keep the old one.");
        }
        return ExitStatus.OK;
    }
}
