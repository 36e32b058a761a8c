package io.poolkeeper.pool;

import io.poolkeeper.api.PoolEvent;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands one event to a watch listener, as {@link io.poolkeeper.api.Pool#watch(long, Consumer, Consumer)} promises for
 * embedded and remote subscriptions alike: what the listener throws goes to its {@code onError} and delivery goes on,
 * so one bad event never ends a subscription silently.
 */
public final class EventDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(EventDelivery.class);

    private EventDelivery() {}

    /** Gives {@code event} to {@code listener}; what it throws goes to {@code onError}, whose own throw is logged. */
    public static void deliver(PoolEvent event, Consumer<PoolEvent> listener, Consumer<Throwable> onError) {
        try {
            listener.accept(event);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable thrown) {
            try {
                onError.accept(thrown);
            } catch (VirtualMachineError fatal) {
                throw fatal;
            } catch (Throwable alsoThrown) {
                alsoThrown.addSuppressed(thrown);
                LOG.warn("a watch's onError threw on event {}; delivery goes on", event.token(), alsoThrown);
            }
        }
    }
}
