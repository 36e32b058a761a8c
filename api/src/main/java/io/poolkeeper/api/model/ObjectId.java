package io.poolkeeper.api.model;

import java.util.UUID;

/**
 * A typed XenAPI object id: a UUID that knows which class of object it names.
 *
 * <p>Ids order as their canonical lowercase string forms do ("lowest host UUID" in xhad is a string comparison),
 * which is not {@link UUID#compareTo}'s signed order. Equal ids of different classes never compare as equal
 * objects, but ordering is only meaningful within one class.
 */
public interface ObjectId extends Comparable<ObjectId> {
    /** The UUID this id wraps; never null. */
    UUID value();

    @Override
    default int compareTo(ObjectId other) {
        // Canonical UUID strings are fixed-width lowercase hex, so unsigned order of the two halves equals
        // lexicographic order of the strings, without building them.
        int high = Long.compareUnsigned(
                value().getMostSignificantBits(), other.value().getMostSignificantBits());
        return high != 0
                ? high
                : Long.compareUnsigned(
                        value().getLeastSignificantBits(), other.value().getLeastSignificantBits());
    }

    /** Parses a canonical UUID string, refusing anything else with {@link IllegalArgumentException}. */
    static UUID parse(String text) {
        if (text == null || text.length() != 36) {
            throw new IllegalArgumentException("not a UUID: " + text);
        }
        UUID uuid = UUID.fromString(text);
        if (!uuid.toString().equals(text.toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException("not a canonical UUID: " + text);
        }
        return uuid;
    }
}
