package io.poolkeeper.rpc;

import io.grpc.Status;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.SubmitBatchReply;
import io.poolkeeper.proto.SubmitBatchRequest;
import io.poolkeeper.proto.SubmitOutcome;
import io.poolkeeper.proto.SubmitRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A remote client's writes. Writes submitted concurrently travel together ({@link SubmitCoalescer}): a lone write goes
 * at once as a Submit; while {@value SubmitCoalescer#MAX_IN_FLIGHT} calls are in flight the next writes wait, and go
 * in one SubmitBatch (each with its own result) when a call completes. A command of a batch the member got no
 * decision for is sent again alone from the next member on; a member that does not know SubmitBatch gets Submits
 * from then on.
 *
 * <p>Thread-safe. Each command carries its request id, so one sent again after a lost answer is applied once.
 */
final class RemoteSubmits {
    private final MemberCalls calls;

    private final SubmitCoalescer<PendingSubmit> coalescer = new SubmitCoalescer<>(
            SubmitCoalescer.MAX_IN_FLIGHT,
            SubmitCoalescer.MAX_BATCH,
            SubmitCoalescer.MAX_BYTES,
            p -> p.command().getSerializedSize(),
            this::sendBatch);

    /** Set once a member answered UNIMPLEMENTED to SubmitBatch (older than it): from then on, Submit alone. */
    private volatile boolean batchUnsupported;

    /** The most commands sent in one SubmitBatch so far: what tests see of the coalescing. */
    private final AtomicInteger largestBatch = new AtomicInteger();

    RemoteSubmits(MemberCalls calls) {
        this.calls = calls;
    }

    /**
     * A command waiting to be sent: its wire form, its caller's future, and when its request timeout runs out (nano
     * time), counted from the submit, so waiting for a batch counts against it.
     */
    private record PendingSubmit(
            io.poolkeeper.proto.PoolCommand command, CompletableFuture<ResultCodec.Reply> result, long deadline) {}

    /** Sends {@code command}; the future completes with its result, or fails as the call to the pool did. */
    CompletableFuture<ResultCodec.Reply> submit(PoolCommand command) {
        PendingSubmit pending = new PendingSubmit(
                CommandCodec.toProto(command),
                new CompletableFuture<>(),
                System.nanoTime() + calls.requestTimeout().toNanos());
        coalescer.submit(pending);
        return pending.result();
    }

    /** The most commands sent in one SubmitBatch (0: none yet); for tests. */
    int largestBatch() {
        return largestBatch.get();
    }

    /**
     * Sends a batch of the coalescer: one command as Submit; more as one SubmitBatch, unless a member of the pool
     * does not know it. Completes when the call is answered; the commands' futures are completed by then, except for
     * commands the member got no decision for, which are sent again alone, from the next member on, until their
     * deadlines (each has a request id, so a command applied after all is not applied twice).
     */
    private CompletionStage<?> sendBatch(List<PendingSubmit> batch) {
        if (batch.size() == 1 || batchUnsupported) {
            return CompletableFuture.allOf(
                    batch.stream().map(p -> sendAlone(p, calls.current())).toArray(CompletableFuture[]::new));
        }
        largestBatch.accumulateAndGet(batch.size(), Math::max);
        SubmitBatchRequest.Builder request = SubmitBatchRequest.newBuilder().setPoolUuid(calls.pinned());
        batch.forEach(p -> request.addCommands(p.command()));
        // The first command waited longest: the batch gets what is left of its timeout.
        return calls.call(
                        request.build(),
                        PoolServiceGrpc.PoolServiceStub::submitBatch,
                        calls.current(),
                        batch.get(0).deadline())
                .whenComplete((reply, error) -> {
                    if (error == null) {
                        deliver(batch, reply);
                    } else if (Errors.unwrap(error) instanceof io.grpc.StatusRuntimeException s
                            && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                        batchUnsupported = true;
                        batch.forEach(p -> sendAlone(p, calls.current()));
                    } else {
                        batch.forEach(p -> p.result().completeExceptionally(error));
                    }
                });
    }

    /** Sends one command as Submit, starting with member {@code first}; completes its future. */
    private CompletableFuture<?> sendAlone(PendingSubmit pending, int first) {
        SubmitRequest request = SubmitRequest.newBuilder()
                .setCommand(pending.command())
                .setPoolUuid(calls.pinned())
                .build();
        return calls.call(request, PoolServiceGrpc.PoolServiceStub::submit, first, pending.deadline())
                .whenComplete((reply, error) -> {
                    if (error == null) {
                        pending.result().complete(ResultCodec.decode(reply.getResult()));
                    } else {
                        pending.result().completeExceptionally(error);
                    }
                });
    }

    /** Hands each command of {@code batch} its outcome in {@code reply}. */
    private void deliver(List<PendingSubmit> batch, SubmitBatchReply reply) {
        if (reply.getOutcomesCount() != batch.size()) {
            PoolException wrong = PoolException.of(
                    ErrorCode.INTERNAL_ERROR,
                    List.of(),
                    "a member answered " + reply.getOutcomesCount() + " outcomes to " + batch.size() + " commands");
            batch.forEach(p -> p.result().completeExceptionally(wrong));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            PendingSubmit pending = batch.get(i);
            SubmitOutcome outcome = reply.getOutcomes(i);
            if (outcome.hasResult()) {
                pending.result().complete(ResultCodec.decode(outcome.getResult()));
                continue;
            }
            Status status = Status.fromCodeValue(outcome.getFailure().getStatusCode())
                    .withDescription(outcome.getFailure().getDescription());
            if (MemberCalls.elsewhere(status.getCode()) && System.nanoTime() < pending.deadline()) {
                // As a Submit failing so would: on the next member.
                sendAlone(pending, (calls.current() + 1) % calls.size());
            } else {
                pending.result().completeExceptionally(Errors.fromStatus(status.asRuntimeException()));
            }
        }
    }
}
