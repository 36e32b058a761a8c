package io.poolkeeper.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class JoinTokenTextTest {
    @Test
    void aGeneratedTokenParsesBackAndMatchesOnlyItsOwnHash() {
        JoinTokenText a = JoinTokenText.generate();
        JoinTokenText b = JoinTokenText.generate();
        assertTrue(a.text().matches("PKJT-[0-9a-f]{8}\\.[A-Za-z0-9_-]{43}"), a.text());
        assertEquals(Optional.of(a), JoinTokenText.parse(" " + a.text() + "\n"));
        assertNotEquals(a.secret(), b.secret());
        assertTrue(a.secretSha256().matches("[0-9a-f]{64}"), a.secretSha256());
        assertTrue(a.matches(a.secretSha256()));
        assertFalse(a.matches(b.secretSha256()));
        assertFalse(a.matches(""));
        assertFalse(a.toString().contains(a.secret()), "toString never shows the secret");
    }

    @Test
    void malformedTextIsNoToken() {
        String secret = "A".repeat(43);
        for (String text : new String[] {
            "",
            "PKJT-",
            "pkjt-0123abcd." + secret,
            "PKJT-0123ABCD." + secret,
            "PKJT-0123abc." + secret,
            "PKJT-0123abcd." + secret + "A",
            "PKJT-0123abcd." + "A".repeat(42) + "=",
            "PKJT-0123abcd:" + secret
        }) {
            assertEquals(Optional.empty(), JoinTokenText.parse(text), text);
        }
    }

    @Test
    void theHashIsSha256OfTheSecretText() {
        // Known answer: SHA-256("abc").
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", JoinTokenText.sha256("abc"));
    }
}
