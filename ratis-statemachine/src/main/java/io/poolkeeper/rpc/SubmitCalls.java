package io.poolkeeper.rpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.codec.CommandCodec;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.InputLimits;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.Rejection;
import io.poolkeeper.port.MemberService;
import io.poolkeeper.proto.CommandFailure;
import io.poolkeeper.proto.CommandResult;
import io.poolkeeper.proto.SubmitBatchReply;
import io.poolkeeper.proto.SubmitBatchRequest;
import io.poolkeeper.proto.SubmitOutcome;
import io.poolkeeper.proto.SubmitReply;
import io.poolkeeper.proto.SubmitRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * PoolService's Submit and SubmitBatch on one member: commands decoded with {@link CommandCodec#fromProto}, so garbage
 * fields come back as a refusal with a code, never as a crash; malformed, oversized and internal commands refused
 * here, never proposed; the rest handed to the member, whose refusals travel as results and whose availability
 * problems (no master, no quorum, a timeout) as gRPC statuses ({@link Errors}).
 *
 * <p>Both run on the transport's thread ({@code PoolServer}): they only check and queue commands and never block.
 */
final class SubmitCalls {
    /** Most commands one SubmitBatch may carry; clients send at most {@code SubmitCoalescer.MAX_BATCH}. */
    static final int MAX_BATCH = 1024;

    private final MemberService member;
    private final BadInput badInput;

    SubmitCalls(MemberService member, BadInput badInput) {
        this.member = member;
        this.badInput = badInput;
    }

    /** Submit: one command, its result as the reply. */
    void submit(SubmitRequest request, StreamObserver<SubmitReply> out) {
        submitOne(request.getCommand(), request.getSerializedSize()).whenComplete((result, error) -> {
            if (error != null) {
                out.onError(Errors.toStatus(error));
            } else {
                PoolServiceImpl.reply(
                        out, SubmitReply.newBuilder().setResult(result).build());
            }
        });
    }

    /**
     * Every command submitted alone: {@link #submit} would take each. The valid ones reach the member's batcher
     * together, so they travel in few log entries; the reply waits for all of them.
     */
    void submitBatch(SubmitBatchRequest request, StreamObserver<SubmitBatchReply> out) {
        int count = request.getCommandsCount();
        Optional<Rejection> tooMany = InputLimits.count("submit-batch commands", count, MAX_BATCH);
        if (tooMany.isPresent()) {
            badInput.refused(request.getSerializedSize(), tooMany.get());
            Rejection r = tooMany.get();
            out.onError(Errors.toStatus(PoolException.of(r.code(), r.params(), r.message())));
            return;
        }
        List<CompletableFuture<CommandResult>> results = member.together(() -> {
            List<CompletableFuture<CommandResult>> submitted = new ArrayList<>(count);
            for (io.poolkeeper.proto.PoolCommand command : request.getCommandsList()) {
                submitted.add(submitOne(command, command.getSerializedSize()));
            }
            return submitted;
        });
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).whenComplete((done, ignored) -> {
            SubmitBatchReply.Builder reply = SubmitBatchReply.newBuilder();
            Throwable firstFailure = null;
            boolean allFailedAlike = count > 0;
            for (CompletableFuture<CommandResult> result : results) {
                // All complete: join() does not block.
                SubmitOutcome.Builder outcome = SubmitOutcome.newBuilder();
                try {
                    outcome.setResult(result.join());
                    allFailedAlike = false;
                } catch (RuntimeException e) {
                    Status status = Errors.toStatus(e).getStatus();
                    if (firstFailure == null) {
                        firstFailure = e;
                    } else if (Errors.toStatus(firstFailure).getStatus().getCode() != status.getCode()) {
                        allFailedAlike = false;
                    }
                    outcome.setFailure(CommandFailure.newBuilder()
                            .setStatusCode(status.getCode().value())
                            .setDescription(String.valueOf(status.getDescription())));
                }
                reply.addOutcomes(outcome);
            }
            if (allFailedAlike) {
                // No master, no quorum: the whole call fails as a Submit would, so the caller tries elsewhere.
                out.onError(Errors.toStatus(firstFailure));
            } else {
                PoolServiceImpl.reply(out, reply.build());
            }
        });
    }

    /**
     * The result of one command of a Submit or SubmitBatch: a refusal, never proposed, of a malformed command, one
     * over the input limits or an internal operation; else what the member answers. Fails only with the member's
     * failure to get it decided (no master, a timeout).
     */
    private CompletableFuture<CommandResult> submitOne(io.poolkeeper.proto.PoolCommand proto, int size) {
        PoolCommand command = CommandCodec.fromProto(proto);
        Optional<Rejection> bad = command.operation() instanceof Operation.Invalid invalid
                ? Optional.of(Rejection.of(invalid.code(), invalid.detail()))
                : InputLimits.check(command);
        if (bad.isPresent()) {
            // Refused here, never proposed: the member's write path would refuse it too, but without a trace.
            badInput.refused(size, bad.get());
            return CompletableFuture.completedFuture(ResultCodec.encode(bad.get()));
        }
        if (internal(command.operation())) {
            // Pools are created and re-founded, masters recorded, hosts judged and agents' answers committed by
            // members themselves, never by a remote command.
            return CompletableFuture.completedFuture(ResultCodec.encode(Rejection.of(
                    ErrorCode.UNKNOWN_OPERATION, command.operation().xeName())));
        }
        return member.submit(command)
                .thenApply(result -> result.rejection().isPresent()
                        ? ResultCodec.encode(result.rejection().get())
                        : ResultCodec.encode(result.result().orElseThrow()));
    }

    private static boolean internal(Operation op) {
        // pool-join only through Join, where the master checks the joiner's token: its id alone is no secret.
        return op instanceof Operation.PoolCreate
                || op instanceof Operation.PoolJoin
                || op instanceof Operation.PoolImport
                || op instanceof Operation.PoolImportBegin
                || op instanceof Operation.PoolImportChunk
                || op instanceof Operation.PoolImportCommit
                || op instanceof Operation.PoolSetMaster
                || op instanceof Operation.HostSetLive
                || op instanceof Operation.HostFenced
                || op instanceof Operation.PoolAlert
                || op instanceof Operation.PoolSetHaPlan
                || op instanceof Operation.VmCompleteOperation;
    }
}
