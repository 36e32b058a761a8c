package io.poolkeeper.ratis;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.api.AdminApi;
import org.apache.ratis.client.api.AsyncApi;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's Raft client for its current group, replaced when Ratis has given it up and when the group's leader
 * changed.
 *
 * <p>Given up: a Ratis client's ordered async sends share one sliding window; once a send exhausts the retry policy
 * (the leader unreachable for longer than a request timeout, say during a partition), Ratis fails that window for
 * good, and every later send of that client fails at once with {@link AlreadyClosedException}. Kept, such a client
 * would leave the member unable to write for the rest of the generation. So the first such failure builds a new
 * client, aimed at the latest leader news and at most every {@link #MIN_RENEWAL_GAP_NANOS 100 ms}; the sends that
 * failed stay failed (their outcome is unknown to the caller, as for any timeout).
 *
 * <p>Leader changed: a Ratis client learns of a new leader only by failing against the old one, guessing, and
 * retrying, and on the way it closes its channel to every peer it guessed wrong with a graceful gRPC shutdown that
 * blocks its retries for up to 3 s (measured: a killed master's slaves acknowledged their next write 3 or 6 s later
 * instead of 1). A member's own Raft server hears of the new leader soon after it is elected, and once the leader can
 * take writes ({@link ReadyLeaderNews}: sent earlier, a send is refused as not ready and the client wanders again) a new
 * client is built aimed at it, every send still in flight is sent again through it (the first answer, through either
 * client, completes the send), and the old client is closed on a thread of its own once every send it carried is
 * answered and no admin call holds it. Sending again is safe: writes carry request ids and are applied
 * once ({@link CommandBatcher}); reads are read-only. A send completes with its first answer; it fails only when its
 * latest attempt fails. A leading member's client is aimed at itself the same way, so that its admin calls
 * (configuration changes) never go to a peer that left the group.
 *
 * <p>Thread-safe.
 */
final class RenewingClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RenewingClient.class);

    /**
     * Given-up clients are replaced at most this often. A member whose group its peers no longer have (a stale one,
     * before it notices) has each new client given up at its first send, and each write built and closed a client:
     * 80–213 in a nemesis run, about 30 a second through one partition. A client that gave up after a request timeout
     * is replaced at once, as before: such give-ups are a request timeout apart.
     */
    static final long MIN_RENEWAL_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Function<RaftPeerId, RaftClient> factory;
    /** Builds and closes clients off Ratis's threads: leader news comes on threads holding the server's monitor. */
    private final ExecutorService switcher = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "raft-client-switch");
        thread.setDaemon(true);
        return thread;
    });
    /** Sends not answered yet, oldest first, so that they are sent again in their order. */
    private final Set<Send> inFlight = new LinkedHashSet<>();
    /** Clients with admin calls under way, and how many: a replaced one is closed when its last call ends. */
    private final Map<RaftClient, Integer> held = new IdentityHashMap<>();
    /** Replaced clients that admin calls still hold. */
    private final Set<RaftClient> retired = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Replaced clients whose sends, sent again through the new one, are not all answered yet. */
    private final Set<RaftClient> draining = Collections.newSetFromMap(new IdentityHashMap<>());

    private RaftClient client;
    private boolean closed;
    /** When a given-up client was last replaced ({@link System#nanoTime}); guarded by this object. */
    private long renewedAt = System.nanoTime() - MIN_RENEWAL_GAP_NANOS;
    /** The leader of the latest {@link #leaderChanged} news, which a replacement client aims at; null before any. */
    private volatile RaftPeerId leader;

    /**
     * @param factory builds a client aimed at the given leader (null: no guess)
     */
    RenewingClient(Function<RaftPeerId, RaftClient> factory) {
        this.factory = factory;
        this.client = factory.apply(null);
    }

    /** An admin call of {@link #admin}. */
    @FunctionalInterface
    interface AdminCall<T> {
        T call(AdminApi admin) throws IOException;
    }

    /**
     * An admin call (a configuration change, a leadership transfer) on the client of the moment, which stays open
     * until the call ends even if a switch replaces it meanwhile: closing it under the call would fail the call (a
     * joining host's configuration change, say) for no reason of its own.
     */
    <T> T admin(AdminCall<T> call) throws IOException {
        RaftClient used;
        synchronized (this) {
            used = client;
            held.merge(used, 1, Integer::sum);
        }
        try {
            return call.call(used.admin());
        } finally {
            boolean last;
            synchronized (this) {
                last = held.merge(used, -1, (a, b) -> a + b == 0 ? null : a + b) == null && retired.remove(used);
            }
            if (last) {
                closeLater(used);
            }
        }
    }

    /** An ordered async send; a client given up by Ratis is replaced for the next send. */
    CompletableFuture<RaftClientReply> send(Message message) {
        return start(api -> api.send(message));
    }

    /**
     * A read-only request (a read index), outside the ordered window of {@link #send}: it still reflects every write
     * acknowledged before it, but a read that waits for a master no longer holds back the writes sent after it (in
     * the window, a read stuck on a dead master's successor held this member's writes for a whole request timeout).
     */
    CompletableFuture<RaftClientReply> sendReadOnly(Message message) {
        return start(api -> api.sendReadOnlyUnordered(message));
    }

    /**
     * This member's Raft server learned that {@code leader} leads the group and can take writes: unless the client
     * already aims at it, a new client aimed at it takes over and the sends in flight go again through it. Returns at
     * once.
     */
    void leaderChanged(RaftPeerId leader) {
        this.leader = leader;
        try {
            switcher.execute(() -> switchTo(leader));
        } catch (RejectedExecutionException closing) {
            // closed meanwhile: nothing to switch
        }
    }

    private CompletableFuture<RaftClientReply> start(Function<AsyncApi, CompletableFuture<RaftClientReply>> call) {
        Send send = new Send(call);
        RaftClient used;
        synchronized (this) {
            inFlight.add(send);
            used = client;
            send.latest = used;
        }
        attempt(send, used);
        return send.answer;
    }

    /**
     * Never called under this object's lock: Ratis completes a send's future while holding its sliding window's lock,
     * and the answer takes this one.
     */
    private void attempt(Send send, RaftClient used) {
        CompletableFuture<RaftClientReply> sent;
        try {
            sent = send.call.apply(used.async());
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((reply, error) -> answered(send, used, reply, error));
    }

    private void answered(Send send, RaftClient used, RaftClientReply reply, Throwable error) {
        synchronized (this) {
            if (error != null && send.latest != used) {
                return; // an attempt through a client since replaced: the attempt through the new one decides
            }
            inFlight.remove(send);
        }
        if (error == null) {
            send.answer.complete(reply);
            return;
        }
        if (givenUp(error)) {
            renew(used, error);
        }
        send.answer.completeExceptionally(error);
    }

    /** Whether {@code error} says the client's ordered window was failed for good (or the client closed). */
    static boolean givenUp(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof AlreadyClosedException || t instanceof RaftRetryFailureException;
    }

    private void renew(RaftClient broken, Throwable why) {
        synchronized (this) {
            long now = System.nanoTime();
            if (closed || client != broken || now - renewedAt < MIN_RENEWAL_GAP_NANOS) {
                return; // closed, renewed already, or renewed just now: a later send's give-up renews it
            }
            renewedAt = now;
        }
        // Aimed at the leader this member's server knows of. Without a guess Ratis takes the group's last leader from
        // a JVM-wide cache (else its first peer); in a nemesis run that was a former leader being reset into the
        // group, which answered with a group mismatch, and Ratis does not retry that elsewhere: every new client was
        // given up at its first send, for seconds.
        RaftClient fresh = factory.apply(leader);
        RaftClient unused;
        synchronized (this) {
            if (closed || client != broken) {
                unused = fresh; // closed on purpose, or renewed already
            } else {
                LOG.info("Raft client {} given up ({}); a new one takes over", broken.getId(), why.toString());
                client = fresh;
                unused = broken;
            }
        }
        // Not on this thread: it may be one of the broken client's own RPC callbacks.
        retire(unused);
    }

    /**
     * On the switcher thread. The sends in flight go again through the new client in their order, then the new client
     * takes over; sends started meanwhile went to the old one and go again too, until none is left behind.
     */
    private void switchTo(RaftPeerId leader) {
        synchronized (this) {
            if (closed || (inFlight.isEmpty() && Objects.equals(client.getLeaderId(), leader))) {
                return;
            }
        }
        RaftClient fresh = factory.apply(leader);
        RaftClient old;
        List<Send> carried = new ArrayList<>();
        while (true) {
            List<Send> again = new ArrayList<>();
            synchronized (this) {
                if (closed) {
                    closeLater(fresh);
                    return;
                }
                for (Send send : inFlight) {
                    if (send.latest != fresh) {
                        send.latest = fresh;
                        again.add(send);
                    }
                }
                if (again.isEmpty()) {
                    old = client; // the one of the moment: a given-up client may have been renewed meanwhile
                    client = fresh;
                    draining.add(old);
                    break;
                }
            }
            again.forEach(send -> attempt(send, fresh));
            carried.addAll(again);
        }
        LOG.debug("Raft client aimed at new leader {}; {} sends in flight sent again", leader, carried.size());
        // Not closed before the sends it carried are answered: its own retry may reach the new leader first (seen in
        // the failover benchmark: an attempt applied 110 ms before the one sent again, its answer lost to the close).
        CompletableFuture.allOf(carried.stream().map(send -> send.answer).toArray(CompletableFuture[]::new))
                .whenComplete((done, error) -> retire(old));
    }

    /** Closes a replaced client now, or when the last admin call holding it ends. */
    private void retire(RaftClient old) {
        synchronized (this) {
            draining.remove(old);
            if (held.containsKey(old)) {
                retired.add(old);
                return;
            }
        }
        closeLater(old);
    }

    private void closeLater(RaftClient old) {
        if (old == null) {
            return;
        }
        Thread closer = new Thread(() -> closeQuietly(old), "raft-client-close");
        closer.setDaemon(true);
        closer.start();
    }

    @Override
    public void close() {
        List<RaftClient> last;
        synchronized (this) {
            closed = true;
            last = new ArrayList<>(retired);
            retired.clear();
            last.addAll(draining);
            draining.clear();
            last.add(client);
        }
        switcher.shutdown();
        last.forEach(RenewingClient::closeQuietly);
    }

    private static void closeQuietly(RaftClient c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing a Raft client: {}", e.toString());
        }
    }

    /** One send and its answer; {@link #latest} is the client of its latest attempt, guarded by the outer lock. */
    private static final class Send {
        final Function<AsyncApi, CompletableFuture<RaftClientReply>> call;
        final CompletableFuture<RaftClientReply> answer = new CompletableFuture<>();
        RaftClient latest;

        Send(Function<AsyncApi, CompletableFuture<RaftClientReply>> call) {
            this.call = call;
        }
    }
}
