package io.poolkeeper.cli;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.cli.XeCommand.Group;
import io.poolkeeper.cli.XeCommand.Param;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code <class>-list}, {@code <class>-param-list} and {@code <class>-param-get} for every {@link ObjectType}, as xe
 * has them: lists filter on any field ({@code vm-list power-state=running}) and choose fields with
 * {@code params=a,b} or {@code params=all}.
 */
final class ListCommands {
    private ListCommands() {}

    static List<XeCommand> commands() {
        List<XeCommand> commands = new ArrayList<>();
        for (ObjectType<?> type : ObjectTypes.ALL) {
            commands.add(list(type));
            commands.add(paramList(type));
            commands.add(paramGet(type));
        }
        return commands;
    }

    private static Group group(ObjectType<?> type) {
        return switch (type.name()) {
            case "pool" -> Group.POOL;
            case "host" -> Group.HOST;
            case "vm" -> Group.VM;
            default -> Group.STORAGE;
        };
    }

    private static <T> XeCommand list(ObjectType<T> type) {
        List<Param> params = new ArrayList<>();
        params.add(Param.optional(
                "params",
                "FIELDS",
                "the fields to print: a comma-separated list, or all (default: " + String.join(",", type.listFields())
                        + ")"));
        for (String field : type.fieldNames()) {
            params.add(Param.optional(field, "VALUE", "only " + type.xeClass() + "s whose " + field + " is VALUE"));
        }
        return XeCommand.of(
                type.name() + "-list",
                group(type),
                "List the " + type.xeClass() + "s, optionally filtered by field values",
                params,
                in -> {
                    List<String> fields = fields(type, in.opt("params"));
                    PoolView view = in.view();
                    List<List<Output.Field>> records = new ArrayList<>();
                    for (T object : type.all().apply(view)) {
                        if (matches(type, view, object, in.given())) {
                            records.add(type.render(view, object, fields));
                        }
                    }
                    return new Output.Records(records, false);
                });
    }

    private static <T> boolean matches(ObjectType<T> type, PoolView view, T object, Map<String, String> filters) {
        for (Map.Entry<String, String> filter : filters.entrySet()) {
            if (filter.getKey().equals("params")) {
                continue;
            }
            Object value = type.field(filter.getKey()).orElseThrow().value().apply(view, object);
            boolean match = value instanceof List<?> list
                    ? list.contains(filter.getValue())
                    : Printer.flat(value, "; ").equalsIgnoreCase(filter.getValue());
            if (!match) {
                return false;
            }
        }
        return true;
    }

    private static List<String> fields(ObjectType<?> type, Optional<String> params) {
        if (params.isEmpty()) {
            return type.listFields();
        }
        if (params.get().equals("all")) {
            return type.fieldNames();
        }
        List<String> names = Arrays.stream(params.get().split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        for (String name : names) {
            if (type.field(name).isEmpty()) {
                throw new UsageException(
                        "params=: " + type.xeClass() + " has no field " + name + Suggest.hint(name, type.fieldNames()));
            }
        }
        return names;
    }

    private static <T> XeCommand paramList(ObjectType<T> type) {
        boolean pool = type == ObjectTypes.POOL;
        Param uuid = pool
                ? Param.optional("uuid", "UUID", "the pool (there is one)")
                : Param.required("uuid", "UUID", "the " + type.xeClass());
        return XeCommand.of(
                type.name() + "-param-list",
                group(type),
                "Every field of a " + type.xeClass() + ", with RO/RW marks",
                List.of(uuid),
                in -> {
                    PoolView view = in.view();
                    T object = find(type, view, in.opt("uuid"));
                    List<Output.Field> fields = new ArrayList<>(type.render(view, object, type.fieldNames()));
                    fields.addAll(type.probe(in, object));
                    return new Output.Records(List.of(fields), true);
                });
    }

    private static <T> XeCommand paramGet(ObjectType<T> type) {
        boolean pool = type == ObjectTypes.POOL;
        Param uuid = pool
                ? Param.optional("uuid", "UUID", "the pool (there is one)")
                : Param.required("uuid", "UUID", "the " + type.xeClass());
        return XeCommand.of(
                type.name() + "-param-get",
                group(type),
                "One field of a " + type.xeClass(),
                List.of(
                        uuid,
                        Param.required("param-name", "FIELD", "the field: " + String.join(", ", type.shownNames())),
                        Param.optional("param-key", "KEY", "for a map field, the key whose value to print")),
                in -> {
                    String name = in.req("param-name");
                    if (type.field(name).isEmpty() && type.probe(name).isEmpty()) {
                        throw new UsageException("param-name=" + name + ": " + type.xeClass() + " has no such field"
                                + Suggest.hint(name, type.shownNames()));
                    }
                    PoolView view = in.view();
                    T object = find(type, view, in.opt("uuid"));
                    Object value = type.field(name).isPresent()
                            ? type.field(name).get().value().apply(view, object)
                            : type.probe(name).orElseThrow().value().apply(in, object);
                    Optional<String> key = in.opt("param-key");
                    if (key.isPresent()) {
                        if (!(value instanceof Map<?, ?> map)) {
                            throw new UsageException("param-key= applies to map fields only; " + name + " is not one");
                        }
                        if (!map.containsKey(key.get())) {
                            throw PoolException.of(
                                    ErrorCode.UNKNOWN_FIELD,
                                    List.of(name, key.get()),
                                    name + " has no key " + key.get());
                        }
                        value = map.get(key.get());
                    }
                    return Output.value(name, value);
                });
    }

    private static <T> T find(ObjectType<T> type, PoolView view, Optional<String> uuid) {
        if (uuid.isEmpty()) {
            // Only the pool may be named implicitly: there is one.
            return type.all().apply(view).stream()
                    .findFirst()
                    .orElseThrow(() -> PoolException.of(ErrorCode.NO_POOL, List.of(), "this member is in no pool"));
        }
        if (!Invocation.isUuid(uuid.get())) {
            throw new UsageException("uuid=" + uuid.get() + ": not a UUID");
        }
        return type.find(view, uuid.get())
                .orElseThrow(() -> PoolException.of(
                        ErrorCode.HANDLE_INVALID,
                        List.of(type.xeClass(), uuid.get()),
                        "no " + type.xeClass() + " " + uuid.get()));
    }
}
