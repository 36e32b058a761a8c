package io.poolkeeper.member;

import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.PoolCommand;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits a command the member makes itself until it is committed: no master yet, a leader change, a timeout. The
 * command keeps its request id, so a retry after an unknown outcome is applied once.
 */
final class Resubmitter {
    private static final Logger LOG = LoggerFactory.getLogger(Resubmitter.class);
    static final long RETRY_MILLIS = 500;

    private final Function<PoolCommand, CompletableFuture<ResultCodec.Reply>> submit;
    private final Executor executor;
    private final BooleanSupplier closed;

    Resubmitter(
            Function<PoolCommand, CompletableFuture<ResultCodec.Reply>> submit,
            Executor executor,
            BooleanSupplier closed) {
        this.submit = submit;
        this.executor = executor;
        this.closed = closed;
    }

    /** Submits {@code command} while {@code wanted} holds, at most {@code attempts} times, {@value #RETRY_MILLIS} ms apart. */
    void submit(PoolCommand command, BooleanSupplier wanted, int attempts) {
        if (closed.getAsBoolean() || attempts <= 0 || !wanted.getAsBoolean()) {
            return;
        }
        submit.apply(command).whenComplete((reply, error) -> {
            if (error != null) {
                LOG.debug(
                        "{} not committed yet ({}); retrying",
                        command.operation().xeName(),
                        error.toString());
                later(() -> submit(command, wanted, attempts - 1));
            }
        });
    }

    /** Runs {@code task} on the executor after {@value #RETRY_MILLIS} ms. */
    void later(Runnable task) {
        CompletableFuture.delayedExecutor(RETRY_MILLIS, TimeUnit.MILLISECONDS, executor)
                .execute(task);
    }
}
