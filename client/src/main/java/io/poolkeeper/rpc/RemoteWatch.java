package io.poolkeeper.rpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.codec.EventCodec;
import io.poolkeeper.pool.EventDelivery;
import io.poolkeeper.proto.PoolServiceGrpc;
import io.poolkeeper.proto.WatchRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A remote client's event watch: follows events from one member, resuming from the last token on another member when
 * the stream breaks. A member of another pool refuses the stream, and events naming another pool end it: both move on
 * to the next member, and so does a member that stops answering ({@link HungMemberWatch}: while the stream is open the
 * member is asked its status every half second). The listener gets each event once, in order; a throwing listener
 * gets {@code onError} and delivery goes on.
 */
final class RemoteWatch implements Subscription {
    private final MemberCalls calls;
    private final AtomicLong last;
    private final Consumer<PoolEvent> listener;
    private final Consumer<Throwable> onError;
    private volatile boolean closed;
    private volatile io.grpc.Context.CancellableContext context;

    RemoteWatch(MemberCalls calls, long fromToken, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
        this.calls = calls;
        this.last = new AtomicLong(fromToken);
        this.listener = listener;
        this.onError = onError;
        open(calls.current());
    }

    private void open(int member) {
        if (closed) {
            return;
        }
        // From the root: a watch opened inside another call's callback must not end with that call's context.
        io.grpc.Context.CancellableContext stream = io.grpc.Context.ROOT.withCancellation();
        context = stream;
        CompletableFuture<Void> ended = new CompletableFuture<>();
        WatchRequest request = WatchRequest.newBuilder()
                .setFromToken(last.get())
                .setPoolUuid(calls.pinned())
                .build();
        stream.run(() -> PoolServiceGrpc.newStub(calls.channel(member)).watch(request, new StreamObserver<>() {
            @Override
            public void onNext(io.poolkeeper.proto.PoolEvent event) {
                if (closed) {
                    return; // closed from a listener: no event after that
                }
                try {
                    calls.accept(calls.address(member), PoolIdentity.of(event));
                } catch (PoolException mismatch) {
                    // onError follows the cancellation and opens the next member.
                    stream.cancel(mismatch);
                    return;
                }
                PoolEvent e = EventCodec.fromProto(event);
                if (isEventsLost(e)) {
                    // Numbering restarts after it (token 0: a new generation's events from 1).
                    last.set(e.token());
                    EventDelivery.deliver(e, listener, onError);
                } else if (e.kind() == PoolEvent.Kind.ALERT || e.token() > last.get()) {
                    last.set(Math.max(last.get(), e.token()));
                    // Inside onNext a throw would cancel the stream and silently skip to another member.
                    EventDelivery.deliver(e, listener, onError);
                }
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(null);
                Executor later = CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS);
                later.execute(() -> open((member + 1) % calls.size()));
            }

            @Override
            public void onCompleted() {
                onError(Status.UNAVAILABLE.asRuntimeException());
            }
        }));
        // A hung member (a stopped process, a pulled cable) ends no stream and sends no event: without this the watch
        // would stay on it while another member serves the pool's events.
        calls.abandonIfHung(
                member,
                ended,
                () -> stream.cancel(new IllegalStateException("member " + calls.address(member)
                        + " does not answer a status question: watching the next member")));
    }

    private static boolean isEventsLost(PoolEvent e) {
        return e.kind() == PoolEvent.Kind.ALERT
                && e.name().equals("EVENTS_LOST")
                && (e.params().isEmpty() || e.params().containsKey("from-token"));
    }

    @Override
    public void close() {
        closed = true;
        if (context != null) {
            context.cancel(null);
        }
    }
}
