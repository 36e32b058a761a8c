package io.poolkeeper.cli;

import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.model.PoolId;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The {@code poolkeeper} command line: xe-style commands ({@code poolkeeper vm-start uuid=... [-s host:port,...]}),
 * plus {@code member}, {@code demo}, {@code generate-completion} and {@code help}. The xe-style commands come from a
 * declarative table ({@link XeCommand}); picocli parses them, prints their help and completes them.
 *
 * <p>{@link #run} never exits the JVM: it returns the exit status ({@link ExitStatus}). Output goes to the given
 * streams, so tests run commands in-process. Not thread-safe; one instance per run.
 */
public final class Cli {
    /** Where commands go without {@code -s} or {@code POOLKEEPER_SERVERS}. */
    public static final String DEFAULT_SERVER = "127.0.0.1:7400";

    static final String ENV_SERVERS = "POOLKEEPER_SERVERS";
    static final String ENV_POOL = "POOLKEEPER_POOL";
    static final String ENV_TLS_DIR = "POOLKEEPER_TLS_DIR";
    static final String ENV_INSECURE = "POOLKEEPER_INSECURE";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Map<String, XeCommand> table = new LinkedHashMap<>();
    private CommandLine root;

    public Cli(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
        this.env = Map.copyOf(env);
        for (List<XeCommand> group : List.of(
                PoolCommands.commands(),
                HostCommands.commands(),
                VmCommands.commands(),
                StorageCommands.commands(),
                ListCommands.commands(),
                EventCommands.commands(),
                LinkCommands.commands())) {
            group.forEach(c -> table.put(c.name(), c));
        }
    }

    /** Runs one command line; returns its exit status. */
    public int run(String... args) {
        root = commandLine();
        return root.execute(preprocess(args));
    }

    /** The xe-style commands, by name. */
    Map<String, XeCommand> table() {
        return table;
    }

    /** The whole command tree, for help and completion. */
    CommandLine commandLine() {
        CommandSpec spec = CommandSpec.wrapWithoutInspection((Callable<Integer>) () -> {
            root.usage(out);
            return ExitStatus.OK;
        });
        spec.name("poolkeeper");
        spec.usageMessage()
                .customSynopsis(
                        "poolkeeper <command> [name=value ...] [--force] [-s host:port,...] [--pool UUID] [--minimal|--json]")
                .description("Drive a poolkeeper pool like xe. Members are found with -s, else $" + ENV_SERVERS
                        + ", else " + DEFAULT_SERVER + "; only members of the pool given with --pool (or $" + ENV_POOL
                        + ") are used, else those of the first member's pool.")
                .footer(
                        "",
                        "Exit status: 0 done, 1 refused by the pool, 2 usage error, 3 pool unavailable (retry),"
                                + " 4 outcome unknown, 5 demo or member failed.");
        globalOptions(spec, false);
        CommandLine cl = new CommandLine(spec);
        cl.addSubcommand("help", new CommandLine.HelpCommand());
        for (XeCommand command : table.values()) {
            cl.addSubcommand(command.name(), xeCommandLine(command));
        }
        cl.addSubcommand("member", new MemberCommand(out, err, env));
        cl.addSubcommand("demo", new DemoCommand(out, err));
        cl.addSubcommand("pool-init-tls", new PoolInitTlsCommand(out, err));
        cl.addSubcommand("tls-issue", new TlsIssueCommand(out, err));
        CommandLine completion = new CommandLine(new AutoComplete.GenerateCompletion());
        completion.getCommandSpec().usageMessage().hidden(false);
        cl.addSubcommand("generate-completion", completion);
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, help -> commandList());
        cl.getHelpSectionMap()
                .put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> optionList(spec));
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler(new Errors.ParameterHandler(err, this::knownCommands));
        cl.setExecutionExceptionHandler(
                new Errors.ExecutionHandler(err, this::jsonRequested, this::servers, env.containsKey(Errors.DEBUG)));
        return cl;
    }

    private CommandLine xeCommandLine(XeCommand command) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection((Callable<Integer>) () -> runXe(command));
        spec.name(command.name());
        List<String> synopsis = new ArrayList<>();
        for (XeCommand.Param p : command.params()) {
            String label = p.map() ? p.name() + ":" + p.label() : p.name() + "=" + p.label();
            synopsis.add(p.required() ? label : "[" + label + "]");
            spec.addOption(OptionSpec.builder(p.name())
                    .paramLabel(p.map() ? "KEY=VALUE" : p.label())
                    .description(p.help() + (p.required() ? " (required)" : ""))
                    .type(p.map() ? Map.class : String.class)
                    .auxiliaryTypes(p.map() ? new Class<?>[] {String.class, String.class} : new Class<?>[0])
                    .required(p.required())
                    .build());
        }
        if (command.takesForce()) {
            synopsis.add("[--force]");
            spec.addOption(OptionSpec.builder("--force")
                    .description("confirm an operation that needs it")
                    .build());
        }
        synopsis.add("[-s host:port,...] [--minimal|--json]");
        spec.usageMessage()
                .description(command.summary() + ".")
                .customSynopsis("poolkeeper " + command.name() + " " + String.join(" ", synopsis))
                .sortOptions(false);
        globalOptions(spec, true);
        CommandLine cl = new CommandLine(spec);
        cl.getHelpSectionMap()
                .put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> optionList(spec));
        return cl;
    }

    /** -s, --pool, --minimal, --json, --local, --timeout and help, on the root and on every xe-style command. */
    private static void globalOptions(CommandSpec spec, boolean xe) {
        spec.addOption(OptionSpec.builder("-s", "--servers")
                .paramLabel("HOST:PORT,...")
                .description("member addresses (default: $" + ENV_SERVERS + ", else " + DEFAULT_SERVER + ")")
                .type(String.class)
                .build());
        spec.addOption(OptionSpec.builder("--pool")
                .paramLabel("UUID")
                .description("the pool the members must belong to; a member of another pool is not used (default: $"
                        + ENV_POOL + ", else the pool of the first member that answers)")
                .type(String.class)
                .build());
        spec.addOption(OptionSpec.builder("--tls-dir")
                .paramLabel("DIR")
                .description("TLS credentials (a client or member directory of pool-init-tls; the emergency commands"
                        + " need the member's) (default: $" + ENV_TLS_DIR + ")")
                .type(String.class)
                .build());
        spec.addOption(OptionSpec.builder("--insecure")
                .description("plain text, for members run with --insecure (default: $" + ENV_INSECURE + "=1)")
                .build());
        spec.addOption(OptionSpec.builder("--minimal")
                .description("print only uuids (or values), comma-separated")
                .build());
        spec.addOption(OptionSpec.builder("--json").description("print JSON").build());
        spec.addOption(OptionSpec.builder("--local")
                .description("read the answering member's own copy (works without a master)")
                .build());
        spec.addOption(OptionSpec.builder("--timeout")
                .paramLabel("DURATION")
                .description(
                        "give up after this long, failovers included (default " + DEFAULT_TIMEOUT.toSeconds() + "s)")
                .type(String.class)
                .build());
        spec.addOption(OptionSpec.builder("-h", "--help")
                .usageHelp(true)
                .description(xe ? "show this help" : "show this help; 'poolkeeper help COMMAND' for a command")
                .build());
    }

    private int runXe(XeCommand command) {
        ParseResult sub = root.getParseResult().subcommand();
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, SortedMap<String, String>> maps = new LinkedHashMap<>();
        for (OptionSpec option : sub.matchedOptions()) {
            String name = option.longestName();
            if (name.startsWith("-")) {
                continue;
            }
            Object value = option.getValue();
            if (value instanceof Map<?, ?> map) {
                SortedMap<String, String> sorted = new TreeMap<>();
                map.forEach((k, v) -> sorted.put(String.valueOf(k), String.valueOf(v)));
                maps.put(name, sorted);
            } else {
                values.put(name, String.valueOf(value));
            }
        }
        Printer printer = new Printer(out, format());
        try (Session session = new Session(
                servers(),
                pool(),
                security(),
                Invocation.parse("--timeout", global("--timeout").orElse("10s"), Values::duration),
                flag("--local") ? ReadConsistency.LOCAL : ReadConsistency.LINEARIZABLE,
                printer)) {
            Invocation invocation =
                    new Invocation(command.name(), values, maps, sub.hasMatchedOption("--force"), session);
            printer.print(command.handler().run(invocation));
        }
        return ExitStatus.OK;
    }

    private Printer.Format format() {
        if (flag("--json")) {
            return Printer.Format.JSON;
        }
        return flag("--minimal") ? Printer.Format.MINIMAL : Printer.Format.TEXT;
    }

    private boolean jsonRequested() {
        return root != null && root.getParseResult() != null && flag("--json");
    }

    private List<String> servers() {
        String list = global("-s").orElseGet(() -> env.getOrDefault(ENV_SERVERS, DEFAULT_SERVER));
        return Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /**
     * The TLS directory of --tls-dir or $POOLKEEPER_TLS_DIR, or empty for plain text when --insecure or
     * $POOLKEEPER_INSECURE says so; neither is a usage error, so that nobody talks plain text by accident.
     */
    private java.util.Optional<java.nio.file.Path> security() {
        java.util.Optional<String> dir = global("--tls-dir")
                .or(() -> java.util.Optional.ofNullable(env.get(ENV_TLS_DIR)))
                .map(String::trim)
                .filter(d -> !d.isEmpty());
        boolean insecure = flag("--insecure") || "1".equals(env.get(ENV_INSECURE));
        if (dir.isPresent() && flag("--insecure")) {
            throw new UsageException("--tls-dir and --insecure exclude each other");
        }
        if (dir.isPresent()) {
            return dir.map(java.nio.file.Path::of);
        }
        if (!insecure) {
            throw new UsageException("no credentials: give --tls-dir DIR (or set " + ENV_TLS_DIR + ") for a pool with"
                    + " TLS, or --insecure (or " + ENV_INSECURE + "=1) for members run with --insecure");
        }
        return java.util.Optional.empty();
    }

    /** The pool given with --pool or $POOLKEEPER_POOL, if any. */
    private java.util.Optional<PoolId> pool() {
        java.util.Optional<String> uuid = global("--pool")
                .or(() -> java.util.Optional.ofNullable(env.get(ENV_POOL)))
                .map(String::trim)
                .filter(u -> !u.isEmpty());
        return uuid.map(u -> Invocation.parse("--pool", u, PoolId::of));
    }

    /** A global option's value, from after the command or else from before it. */
    private java.util.Optional<String> global(String name) {
        ParseResult top = root.getParseResult();
        ParseResult sub = top.subcommand();
        if (sub != null && sub.hasMatchedOption(name)) {
            return java.util.Optional.of(sub.matchedOptionValue(name, ""));
        }
        return top.hasMatchedOption(name)
                ? java.util.Optional.of(top.matchedOptionValue(name, ""))
                : java.util.Optional.empty();
    }

    private boolean flag(String name) {
        ParseResult top = root.getParseResult();
        ParseResult sub = top.subcommand();
        return top.hasMatchedOption(name) || (sub != null && sub.hasMatchedOption(name));
    }

    private List<String> knownCommands() {
        List<String> names = new ArrayList<>(table.keySet());
        names.addAll(List.of("member", "demo", "pool-init-tls", "tls-issue", "help", "generate-completion"));
        return names;
    }

    /** A command's help: its name=value parameters first, then the options, one line each. */
    private static String optionList(CommandSpec spec) {
        StringBuilder params = new StringBuilder();
        StringBuilder options = new StringBuilder();
        for (OptionSpec o : spec.options()) {
            boolean dashed = o.longestName().startsWith("-");
            boolean map = Map.class.isAssignableFrom(o.type());
            String label = String.join(", ", o.names())
                    + (o.arity().max() == 0 ? "" : (dashed ? " " : map ? ":" : "=") + o.paramLabel());
            String description = o.description().length == 0 ? "" : o.description()[0];
            (dashed ? options : params).append(wrap(String.format("  %-30s ", label), description));
        }
        return (params.length() == 0 ? "" : "Parameters:\n" + params + "\n") + "Options:\n" + options;
    }

    /** {@code prefix} then {@code text} wrapped at 100 columns, continuation lines indented to the text. */
    private static String wrap(String prefix, String text) {
        StringBuilder sb = new StringBuilder(prefix);
        int column = prefix.length();
        String indent = " ".repeat(Math.min(prefix.length(), 45));
        if (column > 45) {
            sb.append("\n").append(indent);
            column = indent.length();
        }
        for (String word : text.split(" ")) {
            if (column + word.length() > 100 && column > indent.length()) {
                sb.setLength(sb.length() - 1);
                sb.append("\n").append(indent);
                column = indent.length();
            }
            sb.append(word).append(' ');
            column += word.length() + 1;
        }
        sb.setLength(sb.length() - 1);
        return sb.append('\n').toString();
    }

    /** The command list of {@code poolkeeper --help}, grouped as the table groups commands. */
    private String commandList() {
        StringBuilder sb = new StringBuilder();
        for (XeCommand.Group group : XeCommand.Group.values()) {
            sb.append("\n  ").append(group.title).append(":\n");
            table.values().stream()
                    .filter(c -> c.group() == group)
                    .forEach(c -> sb.append(wrap(String.format("    %-36s ", c.name()), c.summary())));
        }
        sb.append("\n  Processes and tools:\n");
        sb.append(wrap(String.format("    %-36s ", "member"), "Run a pool member with a simulated hypervisor"));
        sb.append(wrap(
                String.format("    %-36s ", "demo"), "A 3-host pool in 3 processes; the seed's failures narrated"));
        sb.append(wrap(
                String.format("    %-36s ", "pool-init-tls"),
                "Create a pool's CA and its members' and a client's TLS credentials"));
        sb.append(wrap(
                String.format("    %-36s ", "tls-issue"),
                "Issue (or rotate) a member's or client's TLS credentials from the pool's CA"));
        sb.append(wrap(String.format("    %-36s ", "generate-completion"), "Print a bash/zsh completion script"));
        sb.append(wrap(String.format("    %-36s ", "help"), "Help on a command: poolkeeper help vm-start"));
        return sb.toString();
    }

    /** xe spells map parameters {@code device-config:key=value}; picocli reads maps as {@code name=key=value}. */
    String[] preprocess(String[] args) {
        List<String> maps = table.values().stream()
                .flatMap(c -> c.params().stream())
                .filter(XeCommand.Param::map)
                .map(p -> p.name() + ":")
                .distinct()
                .toList();
        return Arrays.stream(args)
                .map(a -> maps.stream().anyMatch(a::startsWith) ? a.replaceFirst(":", "=") : a)
                .toArray(String[]::new);
    }
}
