package io.poolkeeper.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS credentials of a member or a client, read from one directory ({@code ca.pem}, {@code cert.pem},
 * {@code key.pem}) and followed as it changes, so that certificates are rotated without a restart.
 *
 * <p>{@link #keyManager()} presents the current certificate; {@link #trustManager()} accepts a peer whose chain
 * validates (PKIX: signature, validity dates, key usage) against the current {@code ca.pem} bundle. There is <b>no
 * hostname or endpoint verification</b>: members are reached by IP and port, and trust means "holds a certificate
 * of this pool's CA". What the peer may do is told by its {@link CertificateRole}.
 *
 * <p>Before a handshake uses them, the managers check the three files' size, modification time and file key at most
 * once per check interval (default one second); when they changed, the set is reloaded. Files that fail to load (a
 * rotation written half-way, a key that is not the certificate's) leave the previous credentials in use, with one
 * warning per change. Each reload takes a new key-manager alias. Thread-safe: the loaded set is an immutable
 * snapshot in a volatile field.
 */
public final class TlsCredentials {
    private static final Logger LOG = LoggerFactory.getLogger(TlsCredentials.class);

    /** How often, at most, the files are checked for a change by default. */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(1);

    /** The current material and the one before it, still served to a handshake that chose its alias already. */
    private record State(Material current, Material previous) {}

    private final Path dir;
    private final long intervalNanos;
    private final Consumer<String> warnings;
    private final AtomicLong lastCheck;
    private final ReloadingKeyManager keyManager = new ReloadingKeyManager(this);
    private final ReloadingTrustManager trustManager = new ReloadingTrustManager(this);
    private volatile State state;
    private Material.Stamps failed; // the stamps of the last change that failed to load; guarded by this

    private TlsCredentials(Path dir, Duration checkInterval, Consumer<String> warnings) {
        this.dir = dir;
        this.intervalNanos = checkInterval.toNanos();
        this.warnings = warnings;
        Material first = Material.load(dir, 1, Material.Stamps.of(dir));
        warnIfOutOfDate(first);
        this.state = new State(first, first);
        this.lastCheck = new AtomicLong(System.nanoTime());
    }

    /**
     * Loads the credential set of {@code dir}, checked for changes at most once a second.
     *
     * @throws IllegalArgumentException when a file is missing or malformed, naming it and the expected layout
     * @throws java.io.UncheckedIOException when a file cannot be read
     */
    public static TlsCredentials load(Path dir) {
        return load(dir, DEFAULT_CHECK_INTERVAL);
    }

    /** As {@link #load(Path)}, checking the files for a change at most once per {@code checkInterval}. */
    public static TlsCredentials load(Path dir, Duration checkInterval) {
        return load(dir, checkInterval, LOG::warn);
    }

    /** As {@link #load(Path, Duration)}, with the warnings (one line each) going to {@code warnings}. */
    static TlsCredentials load(Path dir, Duration checkInterval, Consumer<String> warnings) {
        Objects.requireNonNull(dir, "dir");
        if (checkInterval.isNegative()) {
            throw new IllegalArgumentException("negative check interval " + checkInterval);
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no TLS directory " + dir + ": " + Material.LAYOUT);
        }
        return new TlsCredentials(dir, checkInterval, Objects.requireNonNull(warnings, "warnings"));
    }

    /**
     * The key manager presenting the current certificate, for {@code SslContextBuilder.forServer(KeyManager)},
     * {@code .keyManager(KeyManager)} or Ratis's {@code GrpcTlsConfig}. Always the same instance.
     */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /**
     * The trust manager accepting peers whose certificate chains to the current {@code ca.pem} bundle, without
     * hostname verification (see the class comment). Always the same instance.
     */
    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /** The current leaf certificate (as last loaded; no check for a change). */
    public X509Certificate certificate() {
        return state.current().leaf();
    }

    /** The current CA certificates of {@code ca.pem}, in file order. */
    public List<X509Certificate> authorities() {
        return state.current().authorities();
    }

    /** The role of the current certificate. */
    public CertificateRole role() {
        return state.current().role();
    }

    /** The directory the credentials are read from. */
    public Path directory() {
        return dir;
    }

    /** How many times the credentials were loaded: 1 after {@link #load}, one more per reload. */
    public long generation() {
        return state.current().generation();
    }

    /**
     * Checks the files now, whatever the interval, and reloads them when they changed and load.
     *
     * @return whether new credentials were loaded
     */
    public boolean reloadIfChanged() {
        lastCheck.set(System.nanoTime());
        Material.Stamps now = Material.Stamps.of(dir);
        if (now.equals(state.current().stamps())) {
            return false;
        }
        synchronized (this) {
            Material current = state.current();
            if (now.equals(current.stamps())) {
                return false; // another thread loaded them meanwhile
            }
            try {
                Material next = Material.load(dir, current.generation() + 1, now);
                state = new State(next, current);
                failed = null;
                LOG.info(
                        "TLS credentials of {} reloaded: certificate serial {} valid until {}",
                        dir,
                        next.leaf().getSerialNumber().toString(16),
                        next.leaf().getNotAfter().toInstant());
                warnIfOutOfDate(next);
                return true;
            } catch (RuntimeException e) {
                if (!now.equals(failed)) {
                    failed = now;
                    warnings.accept("TLS credentials of " + dir + " changed but do not load; still using serial "
                            + current.leaf().getSerialNumber().toString(16) + ": " + e.getMessage());
                }
                return false;
            }
        }
    }

    /** {@link #reloadIfChanged()} if the check interval has passed since the last check; called per handshake. */
    void refresh() {
        long last = lastCheck.get();
        long now = System.nanoTime();
        if (now - last >= intervalNanos && lastCheck.compareAndSet(last, now)) {
            reloadIfChanged();
        }
    }

    /** The current material. */
    Material current() {
        return state.current();
    }

    /** The material an alias names, if it is the current or the previous one; else null. */
    Material material(String alias) {
        State s = state;
        if (s.current().alias().equals(alias)) {
            return s.current();
        }
        return s.previous().alias().equals(alias) ? s.previous() : null;
    }

    /** Peers refuse an expired certificate: say so where the operator looks, rather than only in their logs. */
    private void warnIfOutOfDate(Material m) {
        try {
            m.leaf().checkValidity(new Date());
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            warnings.accept("TLS certificate " + dir.resolve(Material.CERT) + " is not valid now (" + e.getMessage()
                    + "): peers will refuse it");
        }
    }
}
