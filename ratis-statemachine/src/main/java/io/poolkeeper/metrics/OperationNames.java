package io.poolkeeper.metrics;

import io.poolkeeper.core.Operation;

/**
 * The {@code operation} tag of a command: its record's name in snake case ({@code VmStart} is {@code vm_start}), so a
 * tag value per kind of command, never per argument (bounded cardinality).
 */
final class OperationNames {
    private static final ClassValue<String> NAMES = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            return snake(type.getSimpleName());
        }
    };

    private OperationNames() {}

    static String of(Operation operation) {
        return NAMES.get(operation.getClass());
    }

    static String snake(String camel) {
        StringBuilder out = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0) {
                    out.append('_');
                }
                out.append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
