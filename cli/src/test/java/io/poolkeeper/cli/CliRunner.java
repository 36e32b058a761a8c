package io.poolkeeper.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.poolkeeper.testing.TestingPool;
import io.poolkeeper.testing.TestingTls;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    /** Against members run with {@code --insecure}. */
    CliRunner(List<String> servers) {
        this(servers, Map.of());
    }

    /** Against members run with {@code --insecure}, with more environment variables than the member addresses. */
    CliRunner(List<String> servers, Map<String, String> more) {
        this(servers, Optional.empty(), more);
    }

    private CliRunner(List<String> servers, Optional<Path> tls, Map<String, String> more) {
        Map<String, String> env = new java.util.HashMap<>(more);
        env.put(Cli.ENV_SERVERS, String.join(",", servers));
        if (tls.isPresent()) {
            env.putIfAbsent(Cli.ENV_TLS_DIR, tls.get().toString());
        } else {
            env.putIfAbsent(Cli.ENV_INSECURE, "1");
        }
        this.env = Map.copyOf(env);
    }

    /** Against a test pool's members, with its client credentials when it runs TLS. */
    static CliRunner of(TestingPool pool) {
        return of(pool, Map.of());
    }

    /** Against a test pool's members, with more environment variables. */
    static CliRunner of(TestingPool pool, Map<String, String> more) {
        return new CliRunner(pool.addresses(), pool.tls().map(TestingTls::clientDirectory), more);
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
