package io.poolkeeper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.poolkeeper.testing.Ports;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The command line without a pool: help, parsing, suggestions, usage errors, value syntax, exit statuses. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CliParsingTest {
    private final CliRunner cli = new CliRunner(List.of("127.0.0.1:1"));

    @Test
    void withoutArgumentsPrintsEveryCommandGrouped() {
        CliRunner.Result r = cli.run();
        assertEquals(ExitStatus.OK, r.status(), r.toString());
        for (String name : new Cli(System.out, System.err, Map.of()).table().keySet()) {
            assertTrue(r.out().contains("    " + name + " "), name + " missing from\n" + r.out());
        }
        for (String section : List.of(
                "Pool:", "Hosts:", "VMs:", "Storage:", "Events:", "Fault injection (tests only", "member", "demo")) {
            assertTrue(r.out().contains(section), section);
        }
    }

    @Test
    void everyCommandHasHelpListingItsParameters() {
        for (XeCommand command :
                new Cli(System.out, System.err, Map.of()).table().values()) {
            CliRunner.Result viaHelp = cli.run("help", command.name());
            CliRunner.Result viaFlag = cli.run(command.name(), "--help");
            assertEquals(ExitStatus.OK, viaHelp.status(), viaHelp.toString());
            assertEquals(viaHelp.out(), viaFlag.out(), command.name());
            assertTrue(viaHelp.out().startsWith("Usage: poolkeeper " + command.name()), viaHelp.out());
            assertTrue(viaHelp.out().replaceAll("\\s+", " ").contains(command.summary()), viaHelp.out());
            for (XeCommand.Param p : command.params()) {
                String label = p.name() + (p.map() ? ":" : "=") + (p.map() ? "KEY=VALUE" : p.label());
                assertTrue(viaHelp.out().contains("  " + label), label + " missing from\n" + viaHelp.out());
            }
            assertEquals(command.takesForce(), viaHelp.out().contains("--force"), command.name());
        }
    }

    @Test
    void processCommandsHaveHelp() {
        CliRunner.Result member = cli.run("help", "member");
        assertEquals(ExitStatus.OK, member.status());
        for (String option : List.of(
                "--host-uuid",
                "--listen",
                "--data",
                "--create-pool",
                "--join",
                "--memory",
                "--heartbeat-interval",
                "--host-dead-after",
                "--emergency-after",
                "--election-timeout",
                "--event-retention",
                "--allow-fault-injection",
                "--http-listen")) {
            assertTrue(member.out().contains(option), option);
        }
        assertTrue(cli.run("demo", "--help").out().contains("--fast"));
    }

    @Test
    void secondsKeepTheirFractionOnlyWhenTheyHaveOne() {
        assertEquals("30", ObjectTypes.seconds(Duration.ofSeconds(30)));
        assertEquals("0.5", ObjectTypes.seconds(Duration.ofMillis(500)));
        assertEquals("1.25", ObjectTypes.seconds(Duration.ofMillis(1250)));
    }

    @Test
    void unknownCommandSuggestsTheNearest() {
        CliRunner.Result r = cli.run("vm-strat", "uuid=x");
        assertEquals(ExitStatus.USAGE, r.status());
        assertTrue(r.err().contains("unknown command 'vm-strat' (did you mean vm-start"), r.err());
        assertTrue(cli.run("hostlist").err().contains("did you mean host-list"));
        assertFalse(cli.run("zzzzzzzz").err().contains("did you mean"));
    }

    @Test
    void unknownParameterSuggestsTheNearestEvenWhenARequiredOneIsMissing() {
        CliRunner.Result r = cli.run("vm-param-get", "uid=x", "param-name=memory");
        assertEquals(ExitStatus.USAGE, r.status());
        assertTrue(r.err().contains("unknown parameter 'uid' (did you mean uuid?)"), r.err());
        assertTrue(r.err().contains("poolkeeper help vm-param-get"), r.err());

        CliRunner.Result option = cli.run("vm-start", "uuid=x", "--forse");
        assertEquals(ExitStatus.USAGE, option.status());
        assertTrue(option.err().contains("unknown option '--forse'"), option.err());

        CliRunner.Result bare = cli.run("vm-start", "web");
        assertEquals(ExitStatus.USAGE, bare.status());
        assertTrue(bare.err().contains("unexpected argument 'web' (parameters are name=value)"), bare.err());
    }

    @Test
    void forceIsOnlyAcceptedWhereItMeansSomething() {
        CliRunner.Result r = cli.run("vm-start", "uuid=00000000-0000-4000-8000-000000000001", "--force");
        assertEquals(ExitStatus.USAGE, r.status());
        assertTrue(r.err().contains("unknown option '--force'"), r.err());
    }

    @Test
    void missingAndMalformedValuesAreUsageErrors() {
        CliRunner.Result missing = cli.run("vm-create", "memory=1GiB");
        assertEquals(ExitStatus.USAGE, missing.status());
        assertTrue(missing.err().contains("name-label"), missing.err());

        CliRunner.Result uuid = cli.run("vm-start", "uuid=not-a-uuid");
        assertEquals(ExitStatus.USAGE, uuid.status());
        assertTrue(uuid.err().contains("uuid: not a UUID: not-a-uuid"), uuid.err());

        CliRunner.Result size = cli.run("vm-create", "name-label=x", "memory=lots");
        assertEquals(ExitStatus.USAGE, size.status());
        assertTrue(size.err().contains("memory: not a size"), size.err());

        CliRunner.Result selector = cli.run("vm-start");
        assertEquals(ExitStatus.USAGE, selector.status());
        assertTrue(selector.err().contains("vm-start needs uuid= or vm="), selector.err());

        CliRunner.Result shared = cli.run("sr-create", "name-label=x", "type=lvm");
        assertEquals(ExitStatus.USAGE, shared.status());
        assertTrue(shared.err().contains("host-uuid="), shared.err());

        CliRunner.Result params = cli.run("vm-list", "params=uuid,powerstate");
        assertEquals(ExitStatus.USAGE, params.status(), params.toString());
        assertTrue(params.err().contains("did you mean power-state"), params.err());
    }

    @Test
    void memberOptionsAreChecked() {
        assertEquals(ExitStatus.USAGE, cli.run("member", "--data", "/tmp/x").status());
        CliRunner.Result both = cli.run(
                "member",
                "--host-uuid",
                "00000000-0000-4000-8000-000000000001",
                "--data",
                "/tmp/x",
                "--create-pool",
                "a",
                "--join",
                "127.0.0.1:1");
        assertEquals(ExitStatus.USAGE, both.status());
        assertTrue(both.err().contains("mutually exclusive"), both.err());
        CliRunner.Result uuid =
                cli.run("member", "--host-uuid", "h1", "--data", "/tmp/x", "--create-pool", "a", "--insecure");
        assertEquals(ExitStatus.USAGE, uuid.status());
        assertTrue(uuid.err().contains("--host-uuid: not a UUID"), uuid.err());
        CliRunner.Result retention = cli.run(
                "member",
                "--host-uuid",
                "00000000-0000-4000-8000-000000000001",
                "--data",
                "/tmp/x",
                "--create-pool",
                "a",
                "--insecure",
                "--event-retention",
                "0");
        assertEquals(ExitStatus.USAGE, retention.status());
        assertTrue(retention.err().contains("--event-retention must be at least 1"), retention.err());
        CliRunner.Result http = cli.run(
                "member",
                "--host-uuid",
                "00000000-0000-4000-8000-000000000001",
                "--data",
                "/tmp/x",
                "--create-pool",
                "a",
                "--insecure",
                "--http-listen",
                "8080");
        assertEquals(ExitStatus.USAGE, http.status(), http.toString());
        assertTrue(http.err().contains("--http-listen must be HOST:PORT"), http.err());
    }

    @Test
    void aMemberNeedsTlsCredentialsOrAnExplicitInsecure() {
        CliRunner.Result neither = cli.run(
                "member",
                "--host-uuid",
                "00000000-0000-4000-8000-000000000001",
                "--data",
                "/tmp/x",
                "--create-pool",
                "a");
        assertEquals(ExitStatus.USAGE, neither.status(), neither.toString());
        assertTrue(neither.err().contains("--tls-dir") && neither.err().contains("--insecure"), neither.err());
        CliRunner.Result missing = cli.run(
                "member",
                "--host-uuid",
                "00000000-0000-4000-8000-000000000001",
                "--data",
                "/tmp/x",
                "--create-pool",
                "a",
                "--tls-dir",
                "/nonexistent/tls");
        assertEquals(ExitStatus.USAGE, missing.status(), missing.toString());
        assertTrue(missing.err().contains("/nonexistent/tls"), missing.err());
    }

    @Test
    void xeCommandsNeedTlsCredentialsOrAnExplicitInsecure() {
        CliRunner.Result neither = new CliRunner(List.of("127.0.0.1:1"), Map.of(Cli.ENV_INSECURE, "0")).run("vm-list");
        assertEquals(ExitStatus.USAGE, neither.status(), neither.toString());
        assertTrue(neither.err().contains("--tls-dir") && neither.err().contains("--insecure"), neither.err());
    }

    @Test
    void anUnreachablePoolIsUnavailableNotARefusal() {
        String closed = "127.0.0.1:" + Ports.freePair();
        String alsoClosed = "127.0.0.1:" + Ports.freePair();
        // The default request timeout (10 s): nothing listens, so the command fails at once, not after it.
        long started = System.nanoTime();
        CliRunner.Result r = cli.run("vm-list", "-s", closed + "," + alsoClosed);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertEquals(ExitStatus.UNAVAILABLE, r.status(), r.toString());
        assertTrue(r.err().startsWith("Error NO_MASTER (900)"), r.err());
        assertTrue(
                r.err()
                        .contains("no member reachable among [" + closed + ", " + alsoClosed + "]: " + closed
                                + " connection refused; " + alsoClosed + " connection refused"),
                r.err());
        assertTrue(r.err().contains("members tried: " + closed + ", " + alsoClosed), r.err());
        assertTrue(tookMs < 5_000, "failed after " + tookMs + " ms, not at once");

        CliRunner.Result json = cli.run("--json", "host-list", "-s", closed, "--timeout", "3s");
        assertEquals(ExitStatus.UNAVAILABLE, json.status());
        JsonObject error = JsonParser.parseString(json.err()).getAsJsonObject();
        assertEquals("NO_MASTER", error.get("error").getAsString());
        assertEquals("UNAVAILABLE", error.get("kind").getAsString());
        assertEquals(900, error.get("number").getAsInt());
    }

    @Test
    void serversComeFromTheOptionThenTheEnvironment() {
        String closed = "127.0.0.1:" + Ports.freePair();
        CliRunner fromEnv = new CliRunner(List.of(closed));
        assertTrue(fromEnv.run("vm-list", "--timeout", "3s").err().contains("members tried: " + closed));
        String other = "127.0.0.1:" + Ports.freePair();
        CliRunner.Result option = fromEnv.run("-s", other, "vm-list", "--timeout", "3s");
        assertTrue(option.err().contains("members tried: " + other), option.err());
    }

    @Test
    void mapParametersUseXeSyntax() {
        Cli parser = new Cli(System.out, System.err, Map.of());
        CommandLine.ParseResult parsed = parser.commandLine().parseArgs(parser.preprocess(new String[] {
            "sr-create",
            "name-label=n",
            "type=nfs",
            "device-config:server=10.0.0.1",
            "device-config:path=/export",
            "-s",
            "127.0.0.1:7400"
        }));
        Map<String, String> config = parsed.subcommand().matchedOptionValue("device-config", Map.of());
        assertEquals(Map.of("server", "10.0.0.1", "path", "/export"), config);
        assertEquals("127.0.0.1:7400", parsed.subcommand().matchedOptionValue("-s", ""));
    }

    @Test
    void completionScriptCoversCommandsAndParameters() {
        CliRunner.Result r = cli.run("generate-completion");
        assertEquals(ExitStatus.OK, r.status());
        assertTrue(r.out().contains("complete -F"), "a bash completion script");
        assertTrue(r.out().contains("vm-start") && r.out().contains("host-forget"), "command names");
        assertTrue(r.out().contains("name-label"), "parameter names");
    }

    @Test
    void valuesParseTheWayOperatorsTypeThem() {
        assertEquals(Duration.ofMillis(1500), Values.duration("1.5s"));
        assertEquals(Duration.ofMillis(200), Values.duration("200ms"));
        assertEquals(Duration.ofSeconds(30), Values.duration("30"));
        assertEquals(Duration.ofMinutes(2), Values.duration("2m"));
        assertEquals(Duration.ofSeconds(2), Values.duration("PT2S"));
        assertThrows(IllegalArgumentException.class, () -> Values.duration("soon"));
        assertEquals(2L << 30, Values.bytes("2GiB"));
        assertEquals(512L << 20, Values.bytes("512M"));
        assertEquals(1536L << 20, Values.bytes("1.5GiB"));
        assertEquals(1024, Values.bytes("1024"));
        assertThrows(IllegalArgumentException.class, () -> Values.bytes("-1"));
        assertTrue(Values.bool("yes"));
        assertFalse(Values.bool("false"));
        assertThrows(IllegalArgumentException.class, () -> Values.bool("maybe"));
        assertEquals(1, Suggest.distance("uid", "uuid"));
        assertEquals(List.of("vm-start"), Suggest.nearest("vm-strat", List.of("vm-start", "sr-list", "vm-list")));
    }

    @Test
    void mainExitsWithTheStatus() throws Exception {
        // The executable's contract, through a real JVM: usage errors exit 2 without touching the network.
        Process p = new ProcessBuilder(
                        java(), "-cp", System.getProperty("java.class.path"), Main.class.getName(), "vm-strat")
                .redirectErrorStream(true)
                .start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        p.getInputStream().transferTo(output);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(ExitStatus.USAGE, p.exitValue());
        assertTrue(output.toString(StandardCharsets.UTF_8).contains("did you mean vm-start"));
    }

    static String java() {
        return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                .toString();
    }

    @Test
    void printerRendersXeBlocks() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Printer printer = new Printer(new PrintStream(bytes, true, StandardCharsets.UTF_8), Printer.Format.TEXT);
        printer.print(new Output.Records(
                List.of(List.of(
                        new Output.Field("uuid", " RO", "u1"),
                        new Output.Field("name-label", " RW", "web"),
                        new Output.Field("resident-on", " RO", null),
                        new Output.Field("VBDs", "MRO", List.of("a", "b")))),
                false));
        assertEquals(
                String.join(
                        "\n",
                        "uuid ( RO)       : u1",
                        " name-label ( RW): web",
                        "resident-on ( RO): <not in database>",
                        "       VBDs (MRO): a; b",
                        "",
                        ""),
                bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    }
}
