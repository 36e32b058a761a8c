package io.poolkeeper.http;

import com.google.gson.Gson;
import com.sun.net.httpserver.HttpExchange;
import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.Subscription;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/events?from=TOKEN}: the member's event stream as Server-Sent Events, one {@code pool-event} per
 * {@link PoolEvent} (its token as the SSE id, so a browser that reconnects resumes with {@code Last-Event-ID}).
 * Each connection is its own {@link Pool#watch} subscription and holds one server thread, so the connections are
 * capped; a comment line every {@link #KEEPALIVE_SECONDS} s finds clients that went away. Thread-safe.
 */
final class EventStream {
    /** Concurrent event connections per page; more get 503 and poll {@code /api/status} instead. */
    static final int MAX_CONNECTIONS = 8;

    static final int KEEPALIVE_SECONDS = 10;

    /** Tells a connection's loop that the page is closing. */
    private static final PoolEvent CLOSING = new PoolEvent(
            -1, PoolEvent.Kind.ALERT, "STATUS_PAGE_CLOSED", new java.util.TreeMap<>(), java.util.Optional.empty());

    private final Pool pool;
    private final Gson gson;
    private final Semaphore connections = new Semaphore(MAX_CONNECTIONS);
    private final java.util.Set<BlockingQueue<PoolEvent>> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    EventStream(Pool pool, Gson gson) {
        this.pool = pool;
        this.gson = gson;
    }

    void serve(HttpExchange exchange, long from) throws IOException {
        if (closed || !connections.tryAcquire()) {
            StatusPage.send(exchange, 503, "text/plain", "too many event connections; poll /api/status\n");
            return;
        }
        BlockingQueue<PoolEvent> queue = new LinkedBlockingQueue<>();
        open.add(queue);
        Subscription subscription = null;
        try {
            subscription = pool.watch(from, queue::add);
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            write(out, "retry: 1000\n\n");
            while (!closed) {
                PoolEvent event = queue.poll(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
                if (event == CLOSING) {
                    break;
                }
                write(
                        out,
                        event == null
                                ? ": keepalive\n\n"
                                : "id: " + event.token() + "\nevent: pool-event\ndata: "
                                        + gson.toJson(StatusJson.eventRow(event)) + "\n\n");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The browser went away; its subscription ends below.
        } finally {
            if (subscription != null) {
                subscription.close();
            }
            open.remove(queue);
            connections.release();
            exchange.close();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Ends every open connection. */
    void close() {
        closed = true;
        open.forEach(q -> q.add(CLOSING));
    }
}
