package io.poolkeeper.ratis;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.api.AsyncApi;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's Raft client for its current group, replaced when Ratis has given it up. A Ratis client's ordered async
 * sends share one sliding window: once a send exhausts the retry policy (the leader unreachable for longer than a
 * request timeout, say during a partition), Ratis fails that window for good, and every later send of that client
 * fails at once with {@link AlreadyClosedException} ("SlidingWindow$Client ... is closed"). Kept, such a client would
 * leave the member unable to write for the rest of the generation, even as master once the partition healed. So the
 * first such failure builds a new client; the sends that failed stay failed (their outcome is unknown to the caller,
 * as for any timeout).
 *
 * <p>Thread-safe.
 */
final class RenewingClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RenewingClient.class);

    private final Supplier<RaftClient> factory;
    private RaftClient client;
    private boolean closed;

    RenewingClient(Supplier<RaftClient> factory) {
        this.factory = factory;
        this.client = factory.get();
    }

    /** The client of the moment, for admin calls. */
    synchronized RaftClient get() {
        return client;
    }

    /** An ordered async send; a client given up by Ratis is replaced for the next send. */
    CompletableFuture<RaftClientReply> send(Message message) {
        return async(api -> api.send(message));
    }

    /**
     * A read-only request (a read index), outside the ordered window of {@link #send}: it still reflects every write
     * acknowledged before it, but a read that waits for a master no longer holds back the writes sent after it (in
     * the window, a read stuck on a dead master's successor held this member's writes for a whole request timeout).
     */
    CompletableFuture<RaftClientReply> sendReadOnly(Message message) {
        return async(api -> api.sendReadOnlyUnordered(message));
    }

    private CompletableFuture<RaftClientReply> async(Function<AsyncApi, CompletableFuture<RaftClientReply>> call) {
        RaftClient used = get();
        return call.apply(used.async()).whenComplete((reply, error) -> {
            if (error != null && givenUp(error)) {
                renew(used, error);
            }
        });
    }

    /** Whether {@code error} says the client's ordered window was failed for good (or the client closed). */
    static boolean givenUp(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof AlreadyClosedException || t instanceof RaftRetryFailureException;
    }

    private synchronized void renew(RaftClient broken, Throwable why) {
        if (closed || client != broken) {
            return; // closed on purpose, or renewed already
        }
        LOG.info("Raft client {} given up ({}); a new one takes over", broken.getId(), why.toString());
        client = factory.get();
        // Not on this thread: it may be one of the broken client's own RPC callbacks.
        CompletableFuture.runAsync(() -> closeQuietly(broken));
    }

    @Override
    public void close() {
        RaftClient last;
        synchronized (this) {
            closed = true;
            last = client;
        }
        closeQuietly(last);
    }

    private static void closeQuietly(RaftClient c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing a Raft client: {}", e.toString());
        }
    }
}
