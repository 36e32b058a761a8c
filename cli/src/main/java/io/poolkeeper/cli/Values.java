package io.poolkeeper.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and formats the values operators type: durations ({@code 30s}, {@code 500ms}, {@code 1m}, {@code 1.5s},
 * ISO-8601 {@code PT30S}), sizes ({@code 2GiB}, {@code 512M}, plain bytes) and booleans ({@code true}, {@code yes},
 * {@code 1}). Every parse failure is an {@link IllegalArgumentException} whose message names what was expected.
 */
final class Values {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b?)?");

    private Values() {}

    /** A duration; a bare number is seconds, as in xe's {@code ha-config:timeout}. */
    static Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("pt")) {
            try {
                return Duration.parse(t);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not a duration: " + text);
            }
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration (e.g. 500ms, 30s, 1m): " + text);
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis =
                switch (unit) {
                    case "ms" -> amount;
                    case "s" -> amount * 1_000;
                    case "m" -> amount * 60_000;
                    default -> amount * 3_600_000;
                };
        return Duration.ofMillis(Math.round(millis));
    }

    /** A byte count; {@code k}, {@code M}, {@code G}, {@code T} (with or without {@code iB}) are powers of 1024. */
    static long bytes(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size (e.g. 4GiB, 512MiB, 1073741824): " + text);
        }
        int shift =
                switch (m.group(2)) {
                    case "k" -> 10;
                    case "m" -> 20;
                    case "g" -> 30;
                    case "t" -> 40;
                    default -> 0;
                };
        double value = Double.parseDouble(m.group(1)) * (1L << shift);
        if (value < 0 || value > Long.MAX_VALUE) {
            throw new IllegalArgumentException("size out of range: " + text);
        }
        return Math.round(value);
    }

    static boolean bool(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("not a boolean (true or false): " + text);
        };
    }

    static long number(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + text);
        }
    }

    /** {@code 1.2 s} or {@code 850 ms}: how the demo and the member report measured times. */
    static String human(Duration d) {
        long ms = d.toMillis();
        return ms < 10_000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
