package io.poolkeeper.member;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.Outcome;
import io.poolkeeper.pool.EventDelivery;
import io.poolkeeper.ratis.AppliedCommand;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
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
import java.util.regex.Pattern;

/**
 * The recent events of the pool as this member applied them, numbered by their sequence (the event token), and the
 * subscriptions that follow them. Bounded by a retention (a number of events): a subscriber that asks for older
 * events, or falls further behind, gets an {@code EVENTS_LOST} alert (params {@code from-token}: where it was, {@code
 * oldest-token}: the oldest event retained) and continues from the oldest retained event (XenAPI's {@code
 * EVENTS_LOST}).
 *
 * <p>History survives restarts: events are kept in an {@link EventJournal} under the member's storage, forced to disk
 * before each snapshot ({@link #sync}); what follows the snapshot Raft re-applies on restart, and events already held
 * are not added twice (deduplicated by token). History begins anew, after the snapshot, when the member installs a
 * leader's snapshot over a gap ({@link #reloaded}): the events in between were never applied here.
 *
 * <p>Thread-safe; each subscription is delivered on its own thread, in token order, without gaps. A listener that
 * throws does not end its subscription ({@link EventDelivery}).
 */
final class EventLog implements AutoCloseable {
    private static final Pattern CAMEL_HUMP = Pattern.compile("([a-z0-9])([A-Z])");
    /** A record component an event shows: its xe name and accessor. */
    private record Shown(String xeName, Method accessor) {}

    /**
     * Each record type's components to show, looked up once per type: {@code Class.getRecordComponents} builds them
     * anew on every call, which was most of an event's cost on the apply thread (docs/BENCHMARKS.md, session 14).
     */
    private static final ClassValue<List<Shown>> SHOWN = new ClassValue<>() {
        @Override
        protected List<Shown> computeValue(Class<?> type) {
            List<Shown> shown = new ArrayList<>();
            for (RecordComponent c : type.getRecordComponents()) {
                if (c.getName().equals("secretSha256")) {
                    continue; // a join token's hash: events are read by any client, and a hash allows offline guessing
                }
                shown.add(new Shown(xeName(c.getName()), c.getAccessor()));
            }
            return List.copyOf(shown);
        }
    };

    private static final String LOST = "EVENTS_LOST";

    private final int retention;
    private final EventJournal journal;
    private final Deque<PoolEvent> events = new ArrayDeque<>();
    private long lastToken;
    /** Bumped when the member moves to another Raft group, whose tokens start again from 1. */
    private long epoch;
    /** The Raft group whose events these are; null until one is opened (or after a reset). */
    private String group;

    /**
     * @param journalDir where the journal is kept
     * @param retention how many of the latest events are kept, in memory and on disk
     */
    EventLog(Path journalDir, int retention) {
        if (retention < 1) {
            throw new IllegalArgumentException("event retention must be at least 1, got " + retention);
        }
        this.retention = retention;
        this.journal = new EventJournal(journalDir, Math.max(1, Math.min(16_384, retention / 4)));
    }

    /**
     * The state machine of {@code raftGroup} starts (member start, or a new group): the journal's events are loaded
     * when they are that group's. Another group than the one followed is a reset.
     */
    synchronized void open(String raftGroup) {
        if (raftGroup.equals(group)) {
            return; // the same group again (re-admitted): what is held stays, replay and snapshots dedupe
        }
        if (group != null) {
            reset();
        }
        group = raftGroup;
        List<PoolEvent> kept = journal.open(raftGroup);
        events.clear();
        events.addAll(kept.subList(Math.max(0, kept.size() - retention), kept.size()));
        lastToken = kept.isEmpty() ? 0 : kept.get(kept.size() - 1).token();
        notifyAll();
    }

    /**
     * The member left its Raft group (new generation, reset, or left the pool): tokens start again. Followers get an
     * {@code EVENTS_LOST} alert and continue with the new group's events.
     */
    synchronized void reset() {
        events.clear();
        journal.restart();
        lastToken = 0;
        group = null;
        epoch++;
        notifyAll();
    }

    synchronized void append(List<AppliedCommand> applied) {
        List<PoolEvent> fresh = new ArrayList<>(applied.size());
        for (AppliedCommand a : applied) {
            if (a.repeated()) {
                continue; // a resend answered as before: no change, no token
            }
            if (a.sequence() <= lastToken) {
                continue; // re-applied after a restart: already held from the journal
            }
            if (a.sequence() != lastToken + 1) {
                beginAfter(a.sequence() - 1, fresh);
            }
            PoolEvent e = toEvent(a);
            fresh.add(e);
            events.addLast(e);
            lastToken = a.sequence();
        }
        if (fresh.isEmpty()) {
            return;
        }
        journal.append(fresh);
        while (events.size() > retention) {
            events.removeFirst();
        }
        journal.trim(events.getFirst().token());
        notifyAll();
    }

    /**
     * The state machine loaded or installed a state at {@code sequence}: past what is held, the events in between were
     * never applied here, and history begins after it.
     */
    synchronized void reloaded(long sequence) {
        if (sequence > lastToken) {
            beginAfter(sequence, new ArrayList<>());
            lastToken = sequence;
            notifyAll();
        }
    }

    /** History begins after {@code sequence}: what came before it (held or {@code pending}) is forgotten. */
    private void beginAfter(long sequence, List<PoolEvent> pending) {
        events.clear();
        pending.clear();
        journal.restart();
        lastToken = sequence;
    }

    /** Forces the events so far to disk: called before a snapshot, which lets Raft forget the entries behind them. */
    synchronized void sync() {
        journal.sync();
    }

    @Override
    public synchronized void close() {
        journal.close();
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

    private static PoolEvent lost(long token, long fromToken, long oldestToken) {
        SortedMap<String, String> params = new TreeMap<>();
        params.put("from-token", Long.toString(fromToken));
        params.put("oldest-token", Long.toString(oldestToken));
        return new PoolEvent(token, PoolEvent.Kind.ALERT, LOST, params, Optional.empty());
    }

    private final class Follower implements Runnable {
        private long after;
        /** Taken at subscription: a group change after it, even before the thread runs, is reported. */
        private long followedEpoch;

        private final Consumer<PoolEvent> listener;
        private final Consumer<Throwable> onError;
        private volatile boolean closed;

        Follower(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
            this.after = fromToken;
            this.listener = listener;
            this.onError = onError;
            synchronized (EventLog.this) {
                this.followedEpoch = epoch;
            }
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
                while (lastToken <= after && followedEpoch == epoch) {
                    EventLog.this.wait();
                }
                if (followedEpoch != epoch) {
                    followedEpoch = epoch;
                    long was = after;
                    after = 0;
                    return List.of(lost(0, was, 1));
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
                long oldest = out.isEmpty() ? lastToken + 1 : out.get(0).token();
                if (oldest > after + 1) {
                    // History begins after a gap (retention, or a snapshot installed from the leader).
                    out.add(0, lost(oldest - 1, after, oldest));
                }
                after = lastToken;
                return out;
            }
        }
    }

    private static PoolEvent toEvent(AppliedCommand applied) {
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
        for (Shown c : SHOWN.get(record.getClass())) {
            try {
                Object value = c.accessor().invoke(record);
                if (value instanceof Optional<?> o) {
                    value = o.map(String::valueOf).orElse("");
                }
                if (value instanceof io.poolkeeper.core.PoolState) {
                    continue;
                }
                if (value instanceof Record nested && !(value instanceof io.poolkeeper.api.model.ObjectId)) {
                    addComponents(nested, out);
                } else {
                    out.put(c.xeName(), String.valueOf(value));
                }
            } catch (ReflectiveOperationException e) {
                out.put(c.xeName(), "?");
            }
        }
    }

    /** {@code nameLabel} → {@code name-label}; converted once per record type and component ({@link #SHOWN}). */
    private static String xeName(String javaName) {
        return CAMEL_HUMP.matcher(javaName).replaceAll("$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
