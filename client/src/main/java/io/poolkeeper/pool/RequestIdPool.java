package io.poolkeeper.pool;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.Pool;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolRejectedException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.InputLimits;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.core.Result;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The {@link Pool#withRequestId} view of a {@link CommandPool}: its writes carry one caller-chosen request id, so a
 * write sent again after an indeterminate outcome is applied once and gets the first attempt's answer. The id names
 * one logical write: the view sends the first operation it is given, and the same operation again, and refuses any
 * other. Writes go through the underlying pool's {@link CommandPool#run(Operation, String)}, so they complete as its
 * own do; reads, watches and master designation (idempotent by nature) are the underlying pool's. Thread-safe.
 */
final class RequestIdPool extends CommandPool {
    private final CommandPool pool;
    private final String requestId;
    /** The one write this view sends; empty until the first. */
    private final AtomicReference<Operation> write = new AtomicReference<>();
    /** A join token's secret is made here, not by the pool: a retry must send the one the first attempt sent. */
    private final AtomicReference<JoinTokenText> joinToken = new AtomicReference<>();

    RequestIdPool(CommandPool pool, String requestId) {
        this.pool = pool;
        this.requestId = checked(requestId);
    }

    /** {@code requestId} if the pool can remember it; INVALID_VALUE naming what is wrong otherwise. */
    static String checked(String requestId) {
        if (requestId == null || requestId.isBlank()) {
            throw new PoolRejectedException(
                    ErrorCode.INVALID_VALUE,
                    List.of("request-id", String.valueOf(requestId)),
                    "a request id must not be empty or blank (" + (requestId == null ? "null" : "\"" + requestId + "\"")
                            + "): it names the write the pool applies once");
        }
        Optional<Rejection> tooLong = InputLimits.length("request-id", requestId, InputLimits.REQUEST_ID);
        if (tooLong.isPresent()) {
            Rejection r = tooLong.get();
            throw new PoolRejectedException(r.code(), r.params(), r.message());
        }
        return requestId;
    }

    /** The view's one write, through its pool under the view's id; another write is refused and sends nothing. */
    @Override
    protected CompletableFuture<Result> run(Operation operation) {
        Operation first = write.compareAndExchange(null, operation);
        if (first != null && !first.equals(operation)) {
            return CompletableFuture.failedFuture(new PoolRejectedException(
                    ErrorCode.INVALID_VALUE,
                    List.of("request-id", requestId),
                    "request id " + requestId + " names the " + first.xeName() + " this view sent first, not a "
                            + operation.xeName() + ": use a new id (a new withRequestId view) for a new write"));
        }
        return pool.run(operation, requestId);
    }

    @Override
    protected CompletableFuture<Result> run(Operation operation, String requestId) {
        return pool.run(operation, requestId);
    }

    @Override
    protected JoinTokenText newJoinToken() {
        JoinTokenText fresh = JoinTokenText.generate();
        JoinTokenText first = joinToken.compareAndExchange(null, fresh);
        return first == null ? fresh : first;
    }

    @Override
    public Pool withRequestId(String requestId) {
        return pool.withRequestId(requestId);
    }

    @Override
    public CompletableFuture<ResultCodec.Reply> submit(PoolCommand command) {
        return pool.submit(command);
    }

    @Override
    public CompletableFuture<PoolView> read(ReadConsistency consistency) {
        return pool.read(consistency);
    }

    @Override
    public Subscription watch(long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
        return pool.watch(fromToken, listener, onError);
    }

    @Override
    public CompletableFuture<Void> designateNewMaster(HostId host) {
        return pool.designateNewMaster(host);
    }

    @Override
    public String toString() {
        return "request id " + requestId + " on " + pool;
    }
}
