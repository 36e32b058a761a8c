package io.poolkeeper.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.SrSpec;
import io.poolkeeper.api.VmSpec;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.PbdId;
import io.poolkeeper.api.model.SrId;
import io.poolkeeper.api.model.VmId;
import io.poolkeeper.testing.TestingPool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page's HTTP contract on a real two-host pool, without a browser: {@code /api/status} shows the pool as
 * the serving member's copy holds it, {@code /api/events} streams committed commands as Server-Sent Events, every
 * method but GET and HEAD is refused with 405 and changes nothing, a closed member answers 503, and a closed page
 * releases its port.
 */
@Timeout(60)
class StatusPageTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> call(String address, String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private JsonObject status(String address) throws Exception {
        HttpResponse<String> r = call(address, "GET", "/api/status");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private static JsonObject find(JsonArray rows, String field, String value) {
        return StreamSupport.stream(rows.spliterator(), false)
                .map(JsonElement::getAsJsonObject)
                .filter(o -> o.get(field).getAsString().equals(value))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row with " + field + "=" + value + " in " + rows));
    }

    @Test
    void statusEventsAndReadOnlyOnARealPool() throws Exception {
        try (TestingPool pool = TestingPool.start(dir, 2)) {
            int master = pool.awaitMaster();
            int slave = pool.others(master).get(0);
            BlockingPool p = pool.pool(master);
            SortedMap<HostId, PbdId> pbds = new TreeMap<>();
            pool.hosts().forEach(h -> pbds.put(h, PbdId.random()));
            SrId sr = p.createSr(new SrSpec(SrId.random(), "nfs-1", "nfs", true, new TreeMap<>(), pbds));
            p.setParam("default-SR", sr.toString());
            VmId vm = p.createVm(VmSpec.of("web-1", 1L << 30, 1));
            p.setVmParam(vm, "ha-restart-priority", "restart");
            p.startVm(vm, Optional.of(pool.host(slave)), false);

            // Served by the slave: its own copy, once it has applied the start.
            try (StatusPage page = StatusPage.start(pool.member(slave), "127.0.0.1:0")) {
                String address = page.address();
                await().atMost(WAIT).until(() -> find(status(address).getAsJsonArray("vms"), "uuid", vm.toString())
                        .get("powerState")
                        .getAsString()
                        .equals("RUNNING"));
                JsonObject s = status(address);
                JsonObject me = s.getAsJsonObject("servedBy");
                assertEquals(pool.host(slave).toString(), me.get("hostUuid").getAsString());
                assertEquals("SLAVE", me.get("role").getAsString());
                assertEquals(
                        pool.host(master).toString(),
                        s.getAsJsonObject("pool").get("master").getAsString());
                JsonArray hosts = s.getAsJsonArray("hosts");
                assertEquals(2, hosts.size());
                JsonObject masterRow = find(hosts, "uuid", pool.host(master).toString());
                assertEquals("MASTER", masterRow.get("status").getAsString());
                assertEquals("OFF", masterRow.get("haState").getAsString());
                JsonObject slaveRow = find(hosts, "uuid", pool.host(slave).toString());
                assertEquals("SLAVE", slaveRow.get("status").getAsString());
                assertEquals("SLAVE", slaveRow.get("memberRole").getAsString());
                assertTrue(slaveRow.get("servingThisPage").getAsBoolean());
                JsonObject vmRow = find(s.getAsJsonArray("vms"), "uuid", vm.toString());
                assertEquals("web-1", vmRow.get("nameLabel").getAsString());
                assertEquals(
                        pool.host(slave).toString(), vmRow.get("residentOn").getAsString());
                assertEquals("RESTART", vmRow.get("haRestartPriority").getAsString());
                JsonObject srRow = find(s.getAsJsonArray("srs"), "uuid", sr.toString());
                assertTrue(srRow.get("isDefault").getAsBoolean());
                assertEquals(2, srRow.getAsJsonArray("attachedOn").size());
                assertEquals(0, s.getAsJsonArray("alerts").size());
                assertTrue(s.getAsJsonArray("events").size() > 0);

                // The page and its scripts come from the jar.
                HttpResponse<String> html = call(address, "GET", "/");
                assertEquals(200, html.statusCode());
                assertTrue(html.body().contains("status.js"));
                assertEquals(200, call(address, "GET", "/status.js").statusCode());
                assertEquals(200, call(address, "GET", "/status.css").statusCode());
                assertEquals(404, call(address, "GET", "/nope").statusCode());

                // Read-only: every other method, on every path, is refused and changes nothing.
                long applied = s.get("appliedIndex").getAsLong();
                for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
                    for (String path : List.of("/", "/api/status", "/api/events")) {
                        HttpResponse<String> r = call(address, method, path);
                        assertEquals(405, r.statusCode(), method + " " + path);
                        assertEquals(
                                "GET, HEAD", r.headers().firstValue("Allow").orElse(""));
                    }
                }
                assertEquals(
                        applied,
                        p.read(io.poolkeeper.api.ReadConsistency.LINEARIZABLE).appliedIndex());

                // The event stream: a command committed now arrives as an SSE event after the token asked for.
                List<String> lines = new CopyOnWriteArrayList<>();
                HttpResponse<InputStream> stream = http.send(
                        HttpRequest.newBuilder(URI.create("http://" + address + "/api/events?from=" + applied))
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, stream.statusCode());
                assertEquals(
                        "text/event-stream; charset=utf-8",
                        stream.headers().firstValue("Content-Type").orElse(""));
                Thread reader = new Thread(() -> readLines(stream.body(), lines), "sse-reader");
                reader.setDaemon(true);
                reader.start();
                VmId second = p.createVm(VmSpec.of("db-1", 1L << 30, 1));
                await().atMost(WAIT).until(() -> lines.stream()
                        .anyMatch(l -> l.startsWith("data: ")
                                && l.contains("\"vm-create\"")
                                && l.contains(second.toString())));
                assertTrue(lines.contains("id: " + (applied + 1)), "the first event after the token: " + lines);
                assertTrue(lines.contains("event: pool-event"));

                page.close();
                reader.join(WAIT.toMillis());
                assertTrue(!reader.isAlive(), "closing the page ends its event streams");
                assertThrows(ConnectException.class, () -> call(address, "GET", "/api/status"));
            }

            // A page whose member was closed says so instead of showing a stale pool.
            try (StatusPage page = StatusPage.start(pool.member(slave), "127.0.0.1:0")) {
                pool.killMember(slave);
                HttpResponse<String> r = call(page.address(), "GET", "/api/status");
                assertEquals(503, r.statusCode());
                assertTrue(r.body().contains("MEMBER_NOT_RUNNING"), r.body());
            }
        }
    }

    @Test
    void aBadAddressIsRefusedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StatusPage.start(null, "8080"));
        assertTrue(e.getMessage().contains("host:port"), e.getMessage());
    }

    private static void readLines(InputStream in, List<String> into) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                into.add(line);
            }
        } catch (IOException e) {
            // The page closed the stream.
        }
    }
}
