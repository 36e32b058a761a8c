package io.poolkeeper.core;

import io.poolkeeper.api.model.HaRestartPriority;
import io.poolkeeper.api.model.ObjectId;
import java.util.Optional;
import java.util.UUID;

/** Parsing of xe-style parameter values; every failure is an empty result, never an exception. */
final class Parse {
    private Parse() {}

    static Optional<UUID> uuid(String text) {
        try {
            return Optional.of(ObjectId.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static Optional<Long> anyLong(String text) {
        try {
            return Optional.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static Optional<Long> positiveLong(String text) {
        return anyLong(text).filter(n -> n > 0);
    }

    static Optional<Long> nonNegativeLong(String text) {
        return anyLong(text).filter(n -> n >= 0);
    }

    /** xe booleans: {@code true}/{@code false}, case-insensitive. */
    static Optional<Boolean> bool(String text) {
        if ("true".equalsIgnoreCase(text)) {
            return Optional.of(true);
        }
        if ("false".equalsIgnoreCase(text)) {
            return Optional.of(false);
        }
        return Optional.empty();
    }

    static Optional<HaRestartPriority> priority(String text) {
        try {
            return Optional.of(HaRestartPriority.fromXapiName(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
