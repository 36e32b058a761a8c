package io.poolkeeper.http;

import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.Subscription;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The status page's memory of the member's event stream: the latest events for the page's list, the latest alerts,
 * and which hosts HA recorded as fenced. The pool record keeps no "fenced" flag (a fenced host is only {@code
 * live=false}), so the {@code host-fenced} event is what tells a fenced host from one that merely died; the mark
 * holds until the host is live again ({@code host-set-live}, or seen live in a later view, as after a re-admission)
 * or forgotten. Thread-safe.
 */
final class EventFeed implements AutoCloseable {
    /** How many events and alerts the page lists. */
    static final int KEPT = 50;

    private static final String HOST_FENCED = "host-fenced";

    private final Deque<PoolEvent> latest = new ArrayDeque<>();
    private final Deque<PoolEvent> alerts = new ArrayDeque<>();
    private final Set<String> fenced = new HashSet<>();
    private final Subscription subscription;

    EventFeed(Pool pool) {
        this.subscription = pool.watch(0, this::accept);
    }

    private synchronized void accept(PoolEvent event) {
        remember(latest, event);
        if (event.kind() == PoolEvent.Kind.ALERT) {
            remember(alerts, event);
        }
        if (event.kind() != PoolEvent.Kind.CHANGE) {
            return;
        }
        String host = event.params().get("host");
        if (host == null) {
            return;
        }
        switch (event.name()) {
            case HOST_FENCED -> fenced.add(host);
            case "host-set-live" -> {
                if ("true".equals(event.params().get("live"))) {
                    fenced.remove(host);
                }
            }
            case "host-forget" -> fenced.remove(host);
            default -> {}
        }
    }

    private static void remember(Deque<PoolEvent> into, PoolEvent event) {
        into.addLast(event);
        while (into.size() > KEPT) {
            into.removeFirst();
        }
    }

    /** The latest events, oldest first. */
    synchronized List<PoolEvent> latest() {
        return new ArrayList<>(latest);
    }

    /** The latest alerts, oldest first. */
    synchronized List<PoolEvent> alerts() {
        return new ArrayList<>(alerts);
    }

    /**
     * The uuids of the hosts HA recorded as fenced and not seen live since; {@code live} are the hosts live in the
     * view about to be shown, whose marks end here.
     */
    synchronized Set<String> fenced(Set<String> live) {
        fenced.removeAll(live);
        return Set.copyOf(fenced);
    }

    @Override
    public void close() {
        subscription.close();
    }
}
