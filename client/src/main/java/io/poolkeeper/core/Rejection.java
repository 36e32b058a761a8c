package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import java.util.List;
import java.util.Objects;

/**
 * Why a command was refused: a stable code, xapi-style parameters and a sentence for humans.
 *
 * @param code the stable code
 * @param params the objects and values involved, as strings
 * @param message one line for humans
 */
public record Rejection(ErrorCode code, List<String> params, String message) {
    public Rejection {
        Objects.requireNonNull(code, "code");
        params = List.copyOf(params);
        Objects.requireNonNull(message, "message");
    }

    /** A rejection whose message is the code's description followed by the parameters. */
    public static Rejection of(ErrorCode code, Object... params) {
        List<String> texts =
                java.util.Arrays.stream(params).map(String::valueOf).toList();
        String message = texts.isEmpty() ? code.description() : code.description() + " " + texts;
        return new Rejection(code, texts, message);
    }
}
