package io.poolkeeper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poolkeeper.api.MemberTimeouts;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.testing.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code poolkeeper member --metrics-listen}: a member process serves {@code GET /metrics} in Prometheus text format,
 * its meters tagged with its host, and they follow what the CLI does to the pool.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MetricsEndpointTest {
    private static final MemberTimeouts TIMEOUTS = new MemberTimeouts(
            Duration.ofMillis(250),
            Duration.ofMillis(1500),
            Duration.ofSeconds(4),
            Duration.ofMillis(400),
            Duration.ofMillis(800),
            Duration.ofSeconds(5));
    private static final Duration START = Duration.ofSeconds(60);
    private static final HostId HOST = HostId.of("0000000a-0000-4000-8000-00000000000a");

    @TempDir
    Path dir;

    private MemberProcess member;

    @AfterEach
    void killMember() {
        if (member != null) {
            member.kill();
        }
    }

    @Test
    void memberServesItsMetersInPrometheusFormat() throws Exception {
        member = new MemberProcess("metrics", HOST, Ports.freePair(), dir.resolve("m"), TIMEOUTS);
        int metricsPort = Ports.freePair();
        member.start(List.of("--create-pool", "metrics", "--metrics-listen", "127.0.0.1:" + metricsPort));
        String ready = member.awaitReady(START);
        assertTrue(ready.contains(" metrics=127.0.0.1:" + metricsPort), ready);

        CliRunner cli = new CliRunner(List.of(member.address()));
        CliRunner.Result created = cli.run("vm-create", "name-label=web", "memory=1GiB");
        assertEquals(0, created.status(), created.toString());

        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + metricsPort + "/metrics");
        HttpResponse<String> scrape =
                http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, scrape.statusCode());
        String type = scrape.headers().firstValue("Content-Type").orElse("");
        assertTrue(type.startsWith("text/plain") && type.contains("version=0.0.4"), type);
        String body = scrape.body();
        String host = "host=\"" + HOST + "\"";
        assertTrue(
                body.lines()
                        .anyMatch(l -> l.startsWith("poolkeeper_member_role{")
                                && l.contains(host)
                                && l.contains("role=\"MASTER\"")
                                && l.endsWith(" 1.0")),
                body);
        assertTrue(
                body.lines()
                        .anyMatch(l -> l.startsWith("poolkeeper_vms{")
                                && l.contains(host)
                                && l.contains("power_state=\"halted\"")
                                && l.endsWith(" 1.0")),
                body);
        assertTrue(
                body.lines()
                        .anyMatch(l -> l.startsWith("poolkeeper_commands_seconds_count{")
                                && l.contains("operation=\"vm_create\"")
                                && l.contains("outcome=\"applied\"")
                                && l.endsWith(" 1")),
                body);
        assertTrue(body.contains("jvm_memory_used_bytes"), "JVM meters too");

        HttpResponse<String> elsewhere = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, elsewhere.statusCode());
        HttpResponse<String> openMetrics = http.send(
                HttpRequest.newBuilder(uri)
                        .header("Accept", "application/openmetrics-text; version=1.0.0")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(
                openMetrics.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
        assertTrue(openMetrics.body().strip().endsWith("# EOF"), openMetrics.body());
    }

    @Test
    void theMembersHelpNamesTheFlag() {
        CliRunner.Result help = new CliRunner(List.of()).run("help", "member");
        assertEquals(0, help.status(), help.toString());
        assertTrue(help.out().contains("--metrics-listen=HOST:PORT"), help.toString());
    }

    @Test
    void aMalformedAddressIsAUsageError() {
        CliRunner.Result bad = new CliRunner(List.of())
                .run(
                        "member",
                        "--host-uuid",
                        HOST.toString(),
                        "--data",
                        dir.toString(),
                        "--insecure",
                        "--create-pool",
                        "p",
                        "--metrics-listen",
                        "nowhere");
        assertEquals(ExitStatus.USAGE, bad.status(), bad.toString());
        assertTrue(bad.err().contains("--metrics-listen: expected HOST:PORT, got 'nowhere'"), bad.toString());
    }
}
