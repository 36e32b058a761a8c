package io.poolkeeper.cli;

import java.util.List;
import java.util.Objects;

/**
 * What a command produced, before it is printed as xe text, {@code --minimal} or {@code --json} ({@link Printer}).
 * Field and result values are a {@link String}, a {@code List<String>}, a {@code SortedMap<String, String>}, or null
 * for a reference to nothing.
 */
sealed interface Output {
    /** Nothing to print (xe prints nothing on success). */
    record None() implements Output {}

    /** One named result: a created object's uuid, a parameter's value, the hosts recovered, ... */
    record Value(String key, Object value) implements Output {}

    /**
     * Objects as xe prints them ({@code uuid ( RO): ...} blocks).
     *
     * @param records the objects, each an ordered list of fields
     * @param single whether this is one object ({@code *-param-list}) rather than a list ({@code *-list})
     */
    record Records(List<List<Field>> records, boolean single) implements Output {
        public Records {
            records = List.copyOf(records);
        }
    }

    /**
     * One field of an object.
     *
     * @param name xe's parameter name
     * @param mode {@code  RO}, {@code  RW}, {@code MRO} or {@code MRW}, as xe shows it
     * @param value its value
     */
    record Field(String name, String mode, Object value) {
        public Field {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(mode, "mode");
        }
    }

    static Output none() {
        return new None();
    }

    static Output value(String key, Object value) {
        return new Value(key, value);
    }
}
