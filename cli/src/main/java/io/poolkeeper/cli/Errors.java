package io.poolkeeper.cli;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * How the CLI reports failures: a pool error as its stable code and a one-line explanation, with the exit status of
 * its {@link ErrorCode.Kind}; a command-line mistake with the nearest known command or parameter.
 */
final class Errors {
    /** Set in the environment to print stack traces of unexpected errors. */
    static final String DEBUG = "POOLKEEPER_DEBUG";

    private Errors() {}

    /** Prints a pool error; returns its exit status. */
    static int report(PrintStream err, PoolException e, boolean json, List<String> servers) {
        ErrorCode code = e.code();
        String prefix = code.name() + ": ";
        String detail = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
        if (json) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("error", code.name());
            fields.put("number", code.number());
            fields.put("kind", code.kind().name());
            fields.put("description", code.description());
            fields.put("detail", detail);
            fields.put("params", e.params());
            err.println(Printer.json(fields));
        } else {
            err.println("Error " + code.name() + " (" + code.number() + "): " + code.description());
            // Pool refusals repeat the description and list their parameters; say only what that adds.
            if (detail.startsWith(code.description())) {
                if (!e.params().isEmpty()) {
                    err.println("  " + String.join(", ", e.params()));
                }
            } else if (!detail.isBlank()) {
                err.println("  " + detail);
            }
            if (code.kind() == ErrorCode.Kind.UNAVAILABLE) {
                err.println("  Nothing was applied (members tried: " + String.join(", ", servers)
                        + "); retry once the pool has a master: host-get-role tells why it has none.");
            } else if (code.kind() == ErrorCode.Kind.INDETERMINATE) {
                err.println("  The command may or may not have been applied (members tried: "
                        + String.join(", ", servers) + "): read the state before retrying.");
            }
        }
        err.flush();
        return ExitStatus.of(code);
    }

    /** Reports what a command's execution threw. */
    static final class ExecutionHandler implements CommandLine.IExecutionExceptionHandler {
        private final PrintStream err;
        private final BooleanSupplier json;
        private final Supplier<List<String>> servers;
        private final boolean debug;

        ExecutionHandler(PrintStream err, BooleanSupplier json, Supplier<List<String>> servers, boolean debug) {
            this.err = err;
            this.json = json;
            this.servers = servers;
            this.debug = debug;
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
            if (ex instanceof PoolException e) {
                return report(err, e, json.getAsBoolean(), servers.get());
            }
            String name = cmd.getCommandSpec().qualifiedName();
            if (ex instanceof UsageException || ex instanceof IllegalArgumentException) {
                err.println(name + ": " + ex.getMessage());
                err.println("Run 'poolkeeper help " + cmd.getCommandName() + "' for its parameters.");
                return ExitStatus.USAGE;
            }
            err.println(name + ": unexpected error, the outcome is unknown: " + ex);
            if (debug) {
                ex.printStackTrace(err);
            } else {
                err.println("  (set " + DEBUG + "=1 for the stack trace)");
            }
            return ExitStatus.INDETERMINATE;
        }
    }

    /** Reports a command line picocli could not parse, suggesting the nearest command or parameter. */
    static final class ParameterHandler implements CommandLine.IParameterExceptionHandler {
        private final PrintStream err;
        private final Supplier<List<String>> commands;

        ParameterHandler(PrintStream err, Supplier<List<String>> commands) {
            this.err = err;
            this.commands = commands;
        }

        @Override
        public int handleParseException(CommandLine.ParameterException ex, String[] args) {
            CommandSpec spec = ex.getCommandLine().getCommandSpec();
            if (spec.parent() == null) {
                err.println("poolkeeper: " + rootMessage(ex));
                err.println("Run 'poolkeeper help' for the commands.");
            } else {
                String message = unknownParameter(spec, args).orElse(ex.getMessage());
                err.println(spec.qualifiedName() + ": " + message);
                err.println("Run 'poolkeeper help " + spec.name() + "' for its parameters.");
            }
            err.flush();
            return ExitStatus.USAGE;
        }

        private String rootMessage(CommandLine.ParameterException ex) {
            if (ex instanceof CommandLine.UnmatchedArgumentException u
                    && !u.getUnmatched().isEmpty()) {
                String first = u.getUnmatched().get(0);
                if (!first.startsWith("-")) {
                    return "unknown command '" + first + "'" + Suggest.hint(first, commands.get());
                }
            }
            return ex.getMessage();
        }

        /**
         * The first argument after the command that names no parameter of it: checked before picocli's own message,
         * which would report a missing required parameter rather than the misspelt one the user typed.
         */
        static Optional<String> unknownParameter(CommandSpec spec, String[] args) {
            if (!spec.positionalParameters().isEmpty()) {
                return Optional.empty();
            }
            int start = List.of(args).indexOf(spec.name());
            for (int i = start + 1; i < args.length; i++) {
                String arg = args[i];
                int eq = arg.indexOf('=');
                String name = eq < 0 ? arg : arg.substring(0, eq);
                OptionSpec option = spec.findOption(name);
                if (arg.startsWith("-")) {
                    if (option == null) {
                        return Optional.of("unknown option '" + name + "'" + Suggest.hint(name, names(spec, true)));
                    }
                    if (eq < 0 && option.arity().max() > 0) {
                        i++;
                    }
                } else if (eq > 0) {
                    if (option == null) {
                        return Optional.of("unknown parameter '" + name + "'" + Suggest.hint(name, names(spec, false)));
                    }
                } else {
                    return Optional.of("unexpected argument '" + arg + "' (parameters are name=value)");
                }
            }
            return Optional.empty();
        }

        private static List<String> names(CommandSpec spec, boolean dashed) {
            return spec.options().stream()
                    .flatMap(o -> List.of(o.names()).stream())
                    .filter(n -> n.startsWith("-") == dashed)
                    .toList();
        }
    }
}
