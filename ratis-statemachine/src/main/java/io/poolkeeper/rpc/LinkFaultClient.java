package io.poolkeeper.rpc;

import io.grpc.ManagedChannel;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.proto.LinkFaultReply;
import io.poolkeeper.proto.LinkFaultRequest;
import io.poolkeeper.proto.PoolServiceGrpc;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test-only: pulls and plugs the cables of one member process through {@code InjectLinkFault} (the member must run
 * with fault injection allowed, else every call fails with {@code FAULT_INJECTION_DISABLED}). Each call returns the
 * hosts the member drops messages from afterwards. Cuts and heals are idempotent, so a call whose answer was lost may
 * be repeated.
 *
 * <p>Pool identity ({@link PoolIdentity}): requests name the pool this connection is pinned to (given at connect, else
 * learned from the first answer); a member of another pool refuses them and an answer naming another pool fails, both
 * with {@code POOL_MISMATCH}. Failures are {@link PoolException}s with the member's code. Thread-safe.
 */
public final class LinkFaultClient implements AutoCloseable {
    private final String address;
    private final ManagedChannel channel;
    private final Duration timeout;
    private volatile String pool;

    private LinkFaultClient(String address, TransportSecurity security, String pool, Duration timeout) {
        this.address = address;
        this.channel = security.channel(address).build();
        this.timeout = timeout;
        this.pool = pool;
    }

    /** A connection to the member at {@code address}, pinned to {@code pool} (empty: the pool of its first answer). */
    public static LinkFaultClient connect(String address, TransportSecurity security, String pool, Duration timeout) {
        return new LinkFaultClient(address, security, pool, timeout);
    }

    /** The pool this connection is pinned to; empty until a member of a pool answered. */
    public String pool() {
        return pool;
    }

    /** The member drops what {@code from} send it from now on. */
    public List<HostId> cut(Collection<HostId> from) {
        if (from.isEmpty()) {
            throw new IllegalArgumentException("name at least one host to cut");
        }
        return call(true, from);
    }

    /** The member hears {@code from} again. */
    public List<HostId> heal(Collection<HostId> from) {
        if (from.isEmpty()) {
            throw new IllegalArgumentException("name at least one host to heal, or heal all");
        }
        return call(false, from);
    }

    /** The member hears every host again. */
    public List<HostId> healAll() {
        return call(false, List.of());
    }

    /** The hosts the member drops messages from; changes nothing. */
    public List<HostId> blockedFrom() {
        return call(true, List.of());
    }

    private List<HostId> call(boolean cut, Collection<HostId> from) {
        LinkFaultRequest.Builder request =
                LinkFaultRequest.newBuilder().setPoolUuid(pool).setCut(cut);
        from.forEach(h -> request.addFromHosts(h.toString()));
        LinkFaultReply reply;
        try {
            reply = PoolServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .injectLinkFault(request.build());
        } catch (RuntimeException e) {
            throw PoolIdentity.refusal(address, pool, e).orElseGet(() -> Errors.fromStatus(e));
        }
        pool = PoolIdentity.check(address, pool, PoolIdentity.of(reply));
        return reply.getBlockedFromList().stream().map(HostId::of).toList();
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
