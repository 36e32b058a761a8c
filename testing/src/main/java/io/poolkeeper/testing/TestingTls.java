package io.poolkeeper.testing;

import io.poolkeeper.rpc.TransportSecurity;
import io.poolkeeper.tls.CertificateRole;
import io.poolkeeper.tls.PoolCertificateAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The TLS material of a {@link TestingPool}: a CA made for the pool on first use under the pool's directory, one
 * member credential set per host ({@code member-1}, …) and one client set, laid out as {@code poolkeeper pool-init-tls}
 * lays them out. Credentials are loaded once and shared by a host's member across restarts; they reload when their
 * files change, as {@link #reissue} makes them. Thread-safe.
 */
public final class TestingTls {
    private static final Duration VALIDITY = Duration.ofDays(30);

    private final Path dir;
    private final String poolName;
    private final Map<Integer, TransportSecurity> members = new HashMap<>();
    private PoolCertificateAuthority authority;
    private TransportSecurity client;

    TestingTls(Path dir, String poolName) {
        this.dir = dir;
        this.poolName = poolName;
    }

    /** The pool's CA, made on first use. */
    public synchronized PoolCertificateAuthority authority() {
        if (authority == null) {
            authority = Files.isDirectory(dir.resolve("ca"))
                    ? PoolCertificateAuthority.load(dir.resolve("ca"))
                    : PoolCertificateAuthority.create(dir.resolve("ca"), poolName, VALIDITY);
        }
        return authority;
    }

    /** Where host {@code index}'s member credentials are. */
    public Path memberDirectory(int index) {
        return dir.resolve("member-" + (index + 1));
    }

    /** Where the client credentials are, issued on first use. */
    public Path clientDirectory() {
        client();
        return clientHome();
    }

    private Path clientHome() {
        return dir.resolve("client");
    }

    /** Host {@code index}'s member credentials, issued on first use. */
    public synchronized TransportSecurity member(int index) {
        return members.computeIfAbsent(index, i -> {
            Path home = memberDirectory(i);
            if (!Files.exists(home.resolve("cert.pem"))) {
                authority().issue(home, CertificateRole.MEMBER, "member-" + (i + 1), VALIDITY);
            }
            return TransportSecurity.tls(home);
        });
    }

    /** The pool's client credentials, issued on first use. */
    public synchronized TransportSecurity client() {
        if (client == null) {
            if (!Files.exists(clientHome().resolve("cert.pem"))) {
                authority().issue(clientHome(), CertificateRole.CLIENT, "client", VALIDITY);
            }
            client = TransportSecurity.tls(clientHome());
        }
        return client;
    }

    /**
     * A certificate rotation: new member credentials for host {@code index}, written over the old ones; its member
     * serves them from its next handshake on.
     */
    public void reissue(int index) {
        authority().issue(memberDirectory(index), CertificateRole.MEMBER, "member-" + (index + 1), VALIDITY);
    }

    /** Credentials of {@code role} issued into {@code directory} by this pool's CA. */
    public TransportSecurity issue(Path directory, CertificateRole role, String commonName) {
        authority().issue(directory, role, commonName, VALIDITY);
        return TransportSecurity.tls(directory);
    }
}
