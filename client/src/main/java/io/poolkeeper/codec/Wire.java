package io.poolkeeper.codec;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.poolkeeper.api.model.ObjectId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Field-level conventions shared by the codecs: ids travel as canonical UUID strings, an absent optional id as the
 * empty string (proto3's default), and serialized bytes are deterministic. Decoding failures are {@link
 * IllegalArgumentException}s whose message names the field, so that a refusal says what was wrong.
 */
final class Wire {
    /** Longest piece of a bad value quoted in a message: a refusal is replicated, garbage must not bloat it. */
    private static final int MAX_QUOTED = 64;

    private Wire() {}

    /** A required id; the empty string and anything but a UUID are refused. */
    static <T extends ObjectId> T id(String field, String text, Function<UUID, T> type) {
        UUID uuid;
        try {
            uuid = ObjectId.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": not a UUID: " + quote(text));
        }
        return type.apply(uuid);
    }

    /** An optional id: the empty string is absent, anything else must be a UUID. */
    static <T extends ObjectId> Optional<T> optionalId(String field, String text, Function<UUID, T> type) {
        return text.isEmpty() ? Optional.empty() : Optional.of(id(field, text, type));
    }

    /** The wire form of an optional id. */
    static String text(Optional<? extends ObjectId> id) {
        return id.map(ObjectId::toString).orElse("");
    }

    /** A bad value for a message, quoted and cut short. */
    static String quote(String text) {
        String shown = text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "...";
        return "'" + shown + "'";
    }

    /**
     * The message's bytes with deterministic serialization: map entries sorted by key, so equal messages give equal
     * bytes on every member and JVM (protobuf otherwise promises no map order).
     */
    static byte[] bytes(MessageLite message) {
        byte[] out = new byte[message.getSerializedSize()];
        CodedOutputStream stream = CodedOutputStream.newInstance(out);
        stream.useDeterministicSerialization();
        try {
            message.writeTo(stream);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to an array cannot fail", e);
        }
        stream.checkNoSpaceLeft();
        return out;
    }
}
