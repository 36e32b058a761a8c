package io.poolkeeper.cli;

import io.poolkeeper.api.PoolView;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One class of pool object as the CLI shows it ({@code vm}, {@code host}, ...): how to find its objects in a
 * {@link PoolView} and the fields {@code *-list} and {@code *-param-list} print, in xe's spelling. Immutable.
 *
 * @param name the class name in command names ({@code vm} for {@code vm-list})
 * @param xeClass the class name in messages ({@code VM})
 * @param all every object of the class in a view, sorted by uuid
 * @param uuid an object's uuid
 * @param fields every field, uuid first
 * @param listFields the fields {@code *-list} prints without {@code params=}
 * @param probes the fields asked of the object itself rather than read from the pool's state
 * @param <T> the object's record type
 */
record ObjectType<T>(
        String name,
        String xeClass,
        Function<PoolView, Collection<T>> all,
        Function<T, String> uuid,
        List<FieldDef<T>> fields,
        List<String> listFields,
        List<Probe<T>> probes) {

    /**
     * A field of a class.
     *
     * @param name xe's parameter name
     * @param mode {@code  RO}, {@code  RW} or {@code MRO}
     * @param value its value for an object, given the view it is in
     * @param <T> the object's record type
     */
    record FieldDef<T>(String name, String mode, BiFunction<PoolView, T, Object> value) {
        boolean writable() {
            return mode.endsWith("RW");
        }
    }

    /**
     * A field that is not in the pool's state but asked of the object itself each time it is shown (a host's member
     * role, from its member), read-only. Only {@code *-param-list} and {@code *-param-get} show probes: a list would
     * make one call per object, and filters compare the pool's state only.
     *
     * @param name xe-style parameter name
     * @param value its value for an object; never fails (an object that cannot be asked says so in the value)
     * @param <T> the object's record type
     */
    record Probe<T>(String name, BiFunction<Invocation, T, Object> value) {}

    ObjectType {
        fields = List.copyOf(fields);
        listFields = List.copyOf(listFields);
        probes = List.copyOf(probes);
    }

    /** A class whose fields all come from the pool's state. */
    ObjectType(
            String name,
            String xeClass,
            Function<PoolView, Collection<T>> all,
            Function<T, String> uuid,
            List<FieldDef<T>> fields,
            List<String> listFields) {
        this(name, xeClass, all, uuid, fields, listFields, List.of());
    }

    List<String> fieldNames() {
        return fields.stream().map(FieldDef::name).toList();
    }

    /** The fields, then the probes: what {@code *-param-list} shows. */
    List<String> shownNames() {
        List<String> names = new java.util.ArrayList<>(fieldNames());
        probes.forEach(p -> names.add(p.name()));
        return names;
    }

    Optional<Probe<T>> probe(String probeName) {
        return probes.stream().filter(p -> p.name().equals(probeName)).findFirst();
    }

    /** Every probe of an object, as fields after its state's. */
    List<Output.Field> probe(Invocation in, T object) {
        return probes.stream()
                .map(p -> new Output.Field(p.name(), " RO", p.value().apply(in, object)))
                .toList();
    }

    Optional<FieldDef<T>> field(String fieldName) {
        return fields.stream().filter(f -> f.name().equals(fieldName)).findFirst();
    }

    Optional<T> find(PoolView view, String id) {
        return all.apply(view).stream().filter(o -> uuid.apply(o).equals(id)).findFirst();
    }

    /** The named fields of an object, in the given order. */
    List<Output.Field> render(PoolView view, T object, List<String> names) {
        return names.stream()
                .map(n -> field(n).orElseThrow())
                .map(f -> new Output.Field(f.name(), f.mode(), f.value().apply(view, object)))
                .toList();
    }

    /** The value of a field, as printed: filters compare against this. */
    String printed(PoolView view, T object, String fieldName) {
        FieldDef<T> f = field(fieldName).orElseThrow();
        return Printer.flat(f.value().apply(view, object), "; ");
    }

    static <T> FieldDef<T> ro(String name, BiFunction<PoolView, T, Object> value) {
        return new FieldDef<>(name, " RO", value);
    }

    static <T> FieldDef<T> rw(String name, BiFunction<PoolView, T, Object> value) {
        return new FieldDef<>(name, " RW", value);
    }

    static <T> FieldDef<T> mro(String name, BiFunction<PoolView, T, Object> value) {
        return new FieldDef<>(name, "MRO", value);
    }

    /** A reference field's value: the uuid, or null for none. */
    static Object ref(Optional<?> id) {
        return id.map(Objects::toString).orElse(null);
    }
}
