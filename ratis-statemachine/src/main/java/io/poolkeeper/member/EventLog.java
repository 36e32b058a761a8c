package io.poolkeeper.member;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.pool.EventDelivery;
import io.poolkeeper.ratis.PoolStateMachine;
import java.lang.reflect.RecordComponent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The recent events of the pool as this member applied them, numbered by their sequence (the event token), and the
 * subscriptions that follow them. Bounded: a subscriber that falls further behind than the retained window gets
 * an {@code EVENTS_LOST} alert and continues from the oldest retained event (XenAPI's {@code EVENTS_LOST}).
 *
 * <p>Thread-safe; each subscription is delivered on its own thread, in token order, without gaps. A listener that
 * throws does not end its subscription ({@link EventDelivery}).
 */
final class EventLog {
    static final int RETAINED = 100_000;

    private final Deque<PoolEvent> events = new ArrayDeque<>();
    private long lastToken;
    /** Bumped when the member moves to another Raft group, whose tokens start again from 1. */
    private long epoch;

    /**
     * The member left its Raft group (new generation, reset, or left the pool): tokens start again. Followers get an
     * {@code EVENTS_LOST} alert and continue with the new group's events.
     */
    synchronized void reset() {
        events.clear();
        lastToken = 0;
        epoch++;
        notifyAll();
    }

    synchronized void append(List<PoolStateMachine.AppliedCommand> applied) {
        for (PoolStateMachine.AppliedCommand a : applied) {
            events.addLast(toEvent(a));
            lastToken = a.sequence();
        }
        while (events.size() > RETAINED) {
            events.removeFirst();
        }
        notifyAll();
    }

    /** Follows the events after {@code fromToken} until closed; what the listener throws goes to {@code onError}. */
    Subscription subscribe(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
        Follower follower = new Follower(fromToken, listener, onError);
        Thread thread = new Thread(follower, "events-from-" + fromToken);
        thread.setDaemon(true);
        thread.start();
        return () -> {
            follower.closed = true;
            thread.interrupt();
        };
    }

    private final class Follower implements Runnable {
        private long after;
        private long followedEpoch = -1;
        private final Consumer<PoolEvent> listener;
        private final Consumer<Throwable> onError;
        private volatile boolean closed;

        Follower(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
            this.after = fromToken;
            this.listener = listener;
            this.onError = onError;
        }

        @Override
        public void run() {
            while (!closed) {
                List<PoolEvent> batch;
                try {
                    batch = next();
                } catch (InterruptedException e) {
                    return;
                }
                for (PoolEvent e : batch) {
                    if (closed) {
                        return;
                    }
                    EventDelivery.deliver(e, listener, onError);
                }
            }
        }

        /** The events after {@code after}, oldest first, waiting for at least one. */
        private List<PoolEvent> next() throws InterruptedException {
            synchronized (EventLog.this) {
                if (followedEpoch == -1) {
                    followedEpoch = epoch;
                }
                while (lastToken <= after && followedEpoch == epoch) {
                    EventLog.this.wait();
                }
                if (followedEpoch != epoch) {
                    followedEpoch = epoch;
                    after = 0;
                    return List.of(
                            new PoolEvent(0, PoolEvent.Kind.ALERT, "EVENTS_LOST", new TreeMap<>(), Optional.empty()));
                }
                List<PoolEvent> out = new ArrayList<>();
                Iterator<PoolEvent> newestFirst = events.descendingIterator();
                while (newestFirst.hasNext()) {
                    PoolEvent e = newestFirst.next();
                    if (e.token() <= after) {
                        break;
                    }
                    out.add(e);
                }
                Collections.reverse(out);
                if (out.get(0).token() > after + 1) {
                    out.add(
                            0,
                            new PoolEvent(
                                    out.get(0).token() - 1,
                                    PoolEvent.Kind.ALERT,
                                    "EVENTS_LOST",
                                    new TreeMap<>(),
                                    Optional.empty()));
                }
                after = lastToken;
                return out;
            }
        }
    }

    private static PoolEvent toEvent(PoolStateMachine.AppliedCommand applied) {
        Operation op = applied.command().operation();
        if (op instanceof Operation.PoolAlert alert) {
            SortedMap<String, String> params = new TreeMap<>();
            for (int i = 0; i < alert.params().size(); i++) {
                params.put(String.valueOf(i), alert.params().get(i));
            }
            return new PoolEvent(
                    applied.sequence(), PoolEvent.Kind.ALERT, alert.code().name(), params, Optional.empty());
        }
        Optional<ErrorCode> rejectedWith = applied.outcome() instanceof Outcome.Rejected r
                ? Optional.of(r.rejection().code())
                : Optional.empty();
        return new PoolEvent(
                applied.sequence(),
                rejectedWith.isPresent() ? PoolEvent.Kind.REJECTED : PoolEvent.Kind.CHANGE,
                op.xeName(),
                params(op),
                rejectedWith);
    }

    /**
     * The operation's fields for display, named as xe spells parameters ({@code name-label}, {@code memory-total});
     * a nested record (a joining host's spec) contributes its own fields, the replicated state of an import none.
     */
    private static SortedMap<String, String> params(Operation op) {
        SortedMap<String, String> out = new TreeMap<>();
        if (op instanceof Record record) {
            addComponents(record, out);
        }
        return out;
    }

    private static void addComponents(Record record, SortedMap<String, String> out) {
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            if (c.getName().equals("secretSha256")) {
                continue; // a join token's hash: events are read by any client, and a hash allows offline guessing
            }
            try {
                Object value = c.getAccessor().invoke(record);
                if (value instanceof Optional<?> o) {
                    value = o.map(String::valueOf).orElse("");
                }
                if (value instanceof io.poolkeeper.core.PoolState) {
                    continue;
                }
                if (value instanceof Record nested && !(value instanceof io.poolkeeper.api.model.ObjectId)) {
                    addComponents(nested, out);
                } else {
                    out.put(xeName(c.getName()), String.valueOf(value));
                }
            } catch (ReflectiveOperationException e) {
                out.put(xeName(c.getName()), "?");
            }
        }
    }

    /** {@code nameLabel} → {@code name-label}. */
    private static String xeName(String javaName) {
        return javaName.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
