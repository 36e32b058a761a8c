package io.poolkeeper.http;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolMember;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.model.MemberRole;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only status page for one member, on plain HTTP (the JDK's {@code HttpServer}): what XenCenter's pool view
 * shows, from this member's own copy of the pool, so it still answers without a master (emergency mode, a fenced
 * host).
 *
 * <ul>
 *   <li>{@code GET /}: the page (HTML and JavaScript from the jar; it polls the status every second and follows the
 *       event stream);
 *   <li>{@code GET /api/status}: JSON ({@link StatusJson}): the serving member and its role, the pool, hosts (role,
 *       liveness, HA state, fenced), VMs, SRs, alerts and the latest events; 503 with {@code {"error": CODE}} when
 *       the member cannot read its copy (closed);
 *   <li>{@code GET /api/events?from=TOKEN}: the member's event stream after {@code TOKEN} as Server-Sent Events.
 * </ul>
 *
 * <p>Every other method is refused with 405, and nothing here changes the pool. Anyone who reaches the address reads
 * the pool's metadata (host names and addresses, VM names): bind it to loopback or a management network. Each member
 * serves its own view. The caller owns the page: close it before or with its member (a page whose member was closed
 * answers 503). Thread-safe.
 */
public final class StatusPage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatusPage.class);

    /** Server threads: the event connections hold one each, the rest answer page and status requests. */
    private static final int THREADS = EventStream.MAX_CONNECTIONS + 4;

    private static final Map<String, String> RESOURCES = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/status.js", "status.js",
            "/status.css", "status.css");

    private final PoolMember member;
    private final HttpServer server;
    private final ExecutorService threads;
    private final EventFeed feed;
    private final EventStream events;
    private final Gson gson = new GsonBuilder().serializeNulls().create();

    private StatusPage(PoolMember member, HttpServer server, ExecutorService threads) {
        this.member = member;
        this.server = server;
        this.threads = threads;
        this.feed = new EventFeed(member.pool());
        this.events = new EventStream(member.pool(), gson);
    }

    /**
     * Serves {@code member}'s status page on {@code hostAndPort} ({@code 127.0.0.1:8080}; port 0 picks a free one,
     * see {@link #address()}). The member must be started.
     *
     * @throws IllegalArgumentException if the address is not {@code host:port}
     * @throws UncheckedIOException if the address cannot be bound
     */
    public static StatusPage start(PoolMember member, String hostAndPort) {
        InetSocketAddress address = parse(hostAndPort);
        HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("status page: cannot listen on " + hostAndPort + ": " + e.getMessage(), e);
        }
        AtomicInteger count = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "status-page-" + member.hostId() + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        StatusPage page;
        try {
            page = new StatusPage(member, server, threads);
        } catch (RuntimeException e) {
            // A member that cannot be watched (closed): release the port rather than serve nothing on it.
            server.stop(0);
            threads.shutdownNow();
            throw e;
        }
        server.createContext("/", page::handle);
        server.setExecutor(threads);
        server.start();
        LOG.info("status page of host {} on http://{}/", member.hostId(), page.address());
        return page;
    }

    /** {@code host:port} the page serves on (the port chosen when 0 was asked for). */
    public String address() {
        InetSocketAddress bound = server.getAddress();
        return bound.getAddress().getHostAddress() + ":" + bound.getPort();
    }

    private static InetSocketAddress parse(String hostAndPort) {
        int colon = hostAndPort == null ? -1 : hostAndPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("status page address must be host:port, got " + hostAndPort);
        }
        try {
            int port = Integer.parseInt(hostAndPort.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(hostAndPort.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("status page address must be host:port, got " + hostAndPort);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain", "the status page is read-only\n");
                return;
            }
            URI uri = exchange.getRequestURI();
            String path = uri.getPath();
            if (path.equals("/api/status")) {
                status(exchange);
            } else if (path.equals("/api/events") && method.equals("HEAD")) {
                send(exchange, 200, "text/event-stream", "");
            } else if (path.equals("/api/events")) {
                events.serve(exchange, from(exchange));
            } else if (RESOURCES.containsKey(path)) {
                resource(exchange, RESOURCES.get(path));
            } else {
                send(exchange, 404, "text/plain", "not found\n");
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("status page: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            throw e;
        }
    }

    /** Where the event stream starts: the browser's {@code Last-Event-ID} on a reconnect, else {@code ?from=}. */
    private static long from(HttpExchange exchange) {
        String last = exchange.getRequestHeaders().getFirst("Last-Event-ID");
        String query = exchange.getRequestURI().getRawQuery();
        String from = last;
        if (from == null && query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("from=")) {
                    from = pair.substring("from=".length());
                }
            }
        }
        try {
            return from == null ? 0 : Math.max(0, Long.parseLong(from));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void status(HttpExchange exchange) throws IOException {
        MemberRole role = member.role();
        PoolView view;
        try {
            view = member.pool().read(ReadConsistency.LOCAL).join();
        } catch (CompletionException | PoolException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            String code = cause instanceof PoolException p
                    ? p.code().name()
                    : cause.getClass().getSimpleName();
            send(exchange, 503, "application/json", gson.toJson(Map.of("error", code, "role", role.name())));
            return;
        }
        StatusJson.Status status = StatusJson.of(
                view,
                member.hostId(),
                member.serviceAddress(),
                role,
                member.isInEmergencyMode(),
                member.generation(),
                feed);
        send(exchange, 200, "application/json", gson.toJson(status));
    }

    private static void resource(HttpExchange exchange, String name) throws IOException {
        try (InputStream in = StatusPage.class.getResourceAsStream(name)) {
            if (in == null) {
                send(exchange, 404, "text/plain", "not found\n");
                return;
            }
            String type = name.endsWith(".html") ? "text/html" : name.endsWith(".js") ? "text/javascript" : "text/css";
            send(exchange, 200, type, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length == 0 ? -1 : bytes.length);
        if (!head) {
            exchange.getResponseBody().write(bytes);
        }
    }

    /** Stops serving: open event streams end, the port is released. Idempotent. */
    @Override
    public void close() {
        events.close();
        feed.close();
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
