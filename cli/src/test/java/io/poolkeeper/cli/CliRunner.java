package io.poolkeeper.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Runs CLI command lines in this JVM against given member addresses, capturing what they print. */
final class CliRunner {
    /** What one command line did. */
    record Result(int status, String out, String err) {
        /** Standard output without its trailing newline. */
        String value() {
            return out.strip();
        }

        JsonElement json() {
            return JsonParser.parseString(out);
        }

        @Override
        public String toString() {
            return "exit " + status + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private final Map<String, String> env;

    CliRunner(List<String> servers) {
        this(servers, Map.of());
    }

    /** With more environment variables than the member addresses. */
    CliRunner(List<String> servers, Map<String, String> more) {
        Map<String, String> env = new java.util.HashMap<>(more);
        env.put(Cli.ENV_SERVERS, String.join(",", servers));
        this.env = Map.copyOf(env);
    }

    Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = new Cli(o, e, env).run(args);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
