package io.poolkeeper.pool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of a join token, {@code PKJT-<id>.<secret>}: {@code id} is 8 lowercase hex digits, public; {@code secret}
 * is 32 random bytes in unpadded base64url, known only to the creator and the hosts it hands the token to. The pool
 * stores {@link #sha256 the secret's SHA-256}, so neither its log nor its snapshots hold anything that lets one join.
 *
 * @param id the public id
 * @param secret the secret part, as written in the text
 */
public record JoinTokenText(String id, String secret) {
    private static final String PREFIX = "PKJT-";
    private static final Pattern TEXT = Pattern.compile("PKJT-([0-9a-f]{8})\\.([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A fresh token. */
    public static JoinTokenText generate() {
        byte[] id = new byte[4];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        return new JoinTokenText(
                HexFormat.of().formatHex(id),
                Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    /** The token written in {@code text}, or empty if it is not one (surrounding blanks are ignored). */
    public static Optional<JoinTokenText> parse(String text) {
        Matcher m = TEXT.matcher(text.strip());
        return m.matches() ? Optional.of(new JoinTokenText(m.group(1), m.group(2))) : Optional.empty();
    }

    /** The full text to hand to a joiner. */
    public String text() {
        return PREFIX + id + "." + secret;
    }

    /** The SHA-256 of the secret's text, in lowercase hex: what the pool stores and compares. */
    public String secretSha256() {
        return sha256(secret);
    }

    /** Whether this token's secret hashes to {@code expectedSha256}, compared in constant time. */
    public boolean matches(String expectedSha256) {
        return MessageDigest.isEqual(
                secretSha256().getBytes(StandardCharsets.US_ASCII), expectedSha256.getBytes(StandardCharsets.US_ASCII));
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "JoinTokenText[id=" + id + "]"; // never the secret
    }
}
