package io.poolkeeper.cli;

import io.poolkeeper.tls.PoolCertificateAuthority;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code poolkeeper pool-init-tls}: a pool's TLS directory in one command: its CA ({@code DIR/ca}), one credential
 * set per member ({@code DIR/member-1} ...) and one for a client ({@code DIR/client}). Never overwrites a CA.
 */
@Command(
        name = "pool-init-tls",
        description = {
            "Create a pool's certificate authority and the TLS credentials of its members and of a client:",
            "DIR/ca (ca.pem, and ca-key.pem: keep it offline, it is needed only to issue certificates),"
                    + " DIR/member-1 ... DIR/member-N and DIR/client (ca.pem, cert.pem, key.pem each).",
            "Refuses if DIR/ca exists. More credential sets later: 'poolkeeper tls-issue'."
        },
        sortOptions = false)
final class PoolInitTlsCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "the pool's TLS directory")
    Path dir;

    @Option(
            names = "--members",
            paramLabel = "N",
            defaultValue = "3",
            description = "how many member credential sets (default ${DEFAULT-VALUE})")
    int members;

    @Option(
            names = "--pool-name",
            paramLabel = "NAME",
            defaultValue = "pool",
            description = "the pool's name in the certificates (OU; default ${DEFAULT-VALUE})")
    String poolName;

    @Option(
            names = "--days",
            paramLabel = "D",
            defaultValue = "365",
            description = "the members' and client's certificates are valid D days (default ${DEFAULT-VALUE};"
                    + " the CA 10 years)")
    int days;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "show this help")
    boolean help;

    private final PrintStream out;
    private final PrintStream err;

    PoolInitTlsCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        if (members < 1) {
            throw new UsageException("--members: at least 1, not " + members);
        }
        Path caDir = dir.resolve(PoolCertificateAuthority.CA_DIR);
        if (Files.exists(caDir)) {
            err.println("pool-init-tls: " + caDir + " exists; refusing to overwrite a pool's CA."
                    + " More credentials from it: poolkeeper tls-issue --ca " + caDir + " --out DIR");
            return ExitStatus.USAGE;
        }
        List<Path> made;
        try {
            made = PoolCertificateAuthority.initPool(dir, poolName, members, TlsIssueCommand.days(days));
        } catch (UncheckedIOException e) {
            err.println("pool-init-tls: " + e.getMessage());
            return ExitStatus.FAILED;
        }
        out.println("Wrote the CA of pool '" + poolName + "':");
        out.println("  " + caDir.resolve("ca.pem") + "      the CA certificate (every member and client trusts it)");
        out.println("  " + caDir.resolve(PoolCertificateAuthority.CA_KEY)
                + "  the CA's private key: keep it offline; needed only by 'poolkeeper tls-issue'");
        out.println("and " + made.size() + " credential sets (ca.pem, cert.pem, key.pem), valid " + days + " days:");
        for (Path set : made) {
            boolean client = set.getFileName().toString().equals(PoolCertificateAuthority.CLIENT_DIR);
            out.println("  " + set + (client ? "  (client)" : "  (member)"));
        }
        out.println();
        out.println("Next: give each member its own directory, and the client its own:");
        out.println("  poolkeeper member --tls-dir " + made.get(0) + " --host-uuid ... --listen ... --data ...");
        out.println("  poolkeeper host-list --tls-dir " + made.get(made.size() - 1) + " -s HOST:PORT");
        out.println("Another member or client later, or a rotation (re-issue into the same directory):");
        out.println("  poolkeeper tls-issue --ca " + caDir + " --out " + dir.resolve("member-" + (members + 1)));
        return ExitStatus.OK;
    }
}
