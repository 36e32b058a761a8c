package io.poolkeeper.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Prints an {@link Output} the way xe does, as {@code --minimal} (comma-separated first fields, usually uuids) or as
 * {@code --json}. Not thread-safe; one per command.
 */
final class Printer {
    /** xe's spelling of a reference to no object. */
    static final String NULL_REF = "<not in database>";

    /** How to print. */
    enum Format {
        TEXT,
        MINIMAL,
        JSON
    }

    private static final Gson GSON =
            new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private final PrintStream out;
    private final Format format;

    Printer(PrintStream out, Format format) {
        this.out = out;
        this.format = format;
    }

    Format format() {
        return format;
    }

    void print(Output output) {
        if (output instanceof Output.None) {
            return;
        }
        switch (format) {
            case JSON -> out.println(GSON.toJson(json(output)));
            case MINIMAL -> minimal(output);
            case TEXT -> text(output);
        }
        out.flush();
    }

    /** One line of a stream of results ({@code event-watch}): a JSON object per line in {@code --json} mode. */
    void line(Map<String, Object> fields, String text) {
        out.println(format == Format.JSON ? GSON.toJson(fields) : text);
        out.flush();
    }

    static String json(Object value) {
        return GSON.toJson(value);
    }

    private static Object json(Output output) {
        if (output instanceof Output.Value v) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put(v.key(), v.value());
            return map;
        }
        if (output instanceof Output.Records r) {
            List<Map<String, Object>> objects =
                    r.records().stream().map(Printer::jsonObject).toList();
            return r.single() && objects.size() == 1 ? objects.get(0) : objects;
        }
        throw new IllegalArgumentException("nothing to print: " + output);
    }

    private static Map<String, Object> jsonObject(List<Output.Field> fields) {
        Map<String, Object> map = new LinkedHashMap<>();
        fields.forEach(f -> map.put(f.name(), f.value()));
        return map;
    }

    private void minimal(Output output) {
        if (output instanceof Output.Value v) {
            out.println(flat(v.value(), ","));
        } else if (output instanceof Output.Records r) {
            out.println(r.records().stream()
                    .filter(fields -> !fields.isEmpty())
                    .map(fields -> flat(fields.get(0).value(), ","))
                    .collect(Collectors.joining(",")));
        }
    }

    private void text(Output output) {
        if (output instanceof Output.Value v) {
            if (v.value() instanceof List<?> list) {
                list.forEach(out::println);
            } else if (v.value() instanceof Map<?, ?> map) {
                map.forEach((k, val) -> out.println(k + ": " + val));
            } else {
                out.println(flat(v.value(), "; "));
            }
        } else if (output instanceof Output.Records r) {
            for (List<Output.Field> fields : r.records()) {
                block(fields);
                out.println();
            }
        }
    }

    /** xe's record block: the first label left-aligned, the others right-aligned to the widest label. */
    private void block(List<Output.Field> fields) {
        int width = fields.stream().mapToInt(f -> label(f).length()).max().orElse(0);
        boolean first = true;
        for (Output.Field f : fields) {
            String format = first ? "%-" + width + "s: %s" : "%" + width + "s: %s";
            out.println(String.format(format, label(f), flat(f.value(), "; ")));
            first = false;
        }
    }

    private static String label(Output.Field f) {
        return f.name() + " (" + f.mode() + ")";
    }

    /** A value on one line: lists joined, maps as {@code key: value} pairs (xe's map syntax). */
    static String flat(Object value, String separator) {
        if (value == null) {
            return NULL_REF;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(separator));
        }
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream()
                    .map(e -> e.getKey() + ": " + e.getValue())
                    .collect(Collectors.joining(separator));
        }
        return String.valueOf(value);
    }
}
