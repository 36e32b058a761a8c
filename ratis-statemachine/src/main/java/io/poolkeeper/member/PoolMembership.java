package io.poolkeeper.member;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostRole;
import io.poolkeeper.api.model.PoolId;
import io.poolkeeper.core.AppliedState;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolCommand;
import io.poolkeeper.core.Result;
import io.poolkeeper.pool.CommandPool;
import io.poolkeeper.pool.JoinTokenText;
import io.poolkeeper.port.PeerLink;
import io.poolkeeper.port.PeerStatus;
import io.poolkeeper.port.RefusalLog;
import io.poolkeeper.port.Scheduler;
import io.poolkeeper.ratis.RaftGroups;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creating a pool and joining one, on both sides: the joiner enters the pool's Raft group empty and asks the master
 * to add it; the master commits the host ({@code pool-join}) and adds its Raft peer.
 *
 * <p>Thread-safe; the joiner's side is called with group changes serialized by the member.
 */
final class PoolMembership {
    private static final Logger LOG = LoggerFactory.getLogger(PoolMembership.class);
    /** How many times a joiner asks the master while the answer leaves the outcome open (see {@link #askToJoin}). */
    static final int JOIN_ATTEMPTS = 5;

    private final MemberConfig config;
    private final RaftGroups groups;
    private final PeerLink peers;
    private final Scheduler scheduler;
    private final MemberPool pool;
    private final Supplier<AppliedState> applied;
    private final Supplier<CompletableFuture<AppliedState>> linearizable;
    private final RefusalLog refusals;

    PoolMembership(
            MemberConfig config,
            RaftGroups groups,
            PeerLink peers,
            Scheduler scheduler,
            MemberPool pool,
            Supplier<AppliedState> applied,
            Supplier<CompletableFuture<AppliedState>> linearizable) {
        this.config = config;
        this.groups = groups;
        this.peers = peers;
        this.scheduler = scheduler;
        this.pool = pool;
        this.applied = applied;
        this.linearizable = linearizable;
        this.refusals = new RefusalLog(PoolMembership.class, scheduler::nanos);
    }

    /** Founds a one-member pool of generation 1 with this host as master. */
    void create(String name) throws IOException {
        String poolUuid = PoolId.random().toString();
        groups.found(poolUuid, 1);
        Operation.PoolCreate create = new Operation.PoolCreate(PoolId.of(poolUuid), name, hostSpec(), 0);
        CommandPool.resultOrThrow(pool.submit(new PoolCommand(RequestIds.create(poolUuid), 0, 0, create))
                .join());
    }

    /**
     * Joins the pool served at {@code address}: a new Raft group member that starts empty and is sent the log or a
     * snapshot once the master adds it. {@code generation} 0 joins whatever generation the pool is in.
     */
    void join(String address, long generation) throws IOException {
        PeerStatus status = peers.status(address, config.timeouts().requestTimeout())
                .exceptionally(e -> {
                    // The peer link names the address and the cause (connection refused, no answer...).
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof PoolException p) {
                        throw p;
                    }
                    throw PoolException.of(ErrorCode.NO_MASTER, List.of(address), "cannot reach " + address + ": " + e);
                })
                .join();
        if (status.poolUuid().isEmpty()) {
            throw PoolException.of(ErrorCode.NO_POOL, List.of(address), "the member at " + address + " is in no pool");
        }
        if (generation != 0 && status.generation() != generation) {
            throw PoolException.of(
                    ErrorCode.POOL_GENERATION_STALE,
                    List.of(Long.toString(generation), Long.toString(status.generation())),
                    "the member at " + address + " is of generation " + status.generation());
        }
        groups.enter(status.poolUuid(), status.generation());
        try {
            askToJoin(address, status.generation());
        } catch (RuntimeException e) {
            // Refused (a bad token, a stale generation...) or no answer: not half in a group the pool does not have
            // this host in. Set aside, not deleted: the master may have added the peer before the answer was lost.
            groups.drop(false);
            throw e;
        }
        groups.remember(status.poolUuid(), status.generation());
    }

    /**
     * Asks the master at {@code address} to add this host, up to {@link #JOIN_ATTEMPTS} times while the answer leaves
     * the outcome open: no answer in time, or the pool recorded the host but Raft did not take its peer in (a joiner
     * that did not answer Raft for a few election timeouts, as a new JVM on a loaded machine does). The master answers
     * a host it has already recorded as joined, so asking again is safe. A refusal ends it at once.
     */
    private void askToJoin(String address, long generation) {
        for (int attempt = 1; ; attempt++) {
            try {
                peers.join(
                        address,
                        hostSpec(),
                        config.raftAddress(),
                        generation,
                        config.joinToken().orElse(""),
                        config.timeouts().requestTimeout());
                return;
            } catch (PoolException e) {
                if (e.code().kind() == ErrorCode.Kind.REJECTED || attempt == JOIN_ATTEMPTS) {
                    throw e;
                }
                LOG.info(
                        "joining the pool at {}: {}; asking again (attempt {} of {})",
                        address,
                        e.getMessage(),
                        attempt + 1,
                        JOIN_ATTEMPTS);
            }
        }
    }

    /**
     * The master's side of a join: a new host is proposed to the pool ({@code pool-join}) once its join token checks
     * out; a host the pool already has (rejoining a new generation after an emergency reset, or asking again after a
     * join whose answer it did not get) keeps its record and role without a token, if it is {@link #sameHost}. Then
     * its Raft peer is added.
     */
    CompletableFuture<HostRole> accept(Operation.HostSpec host, String raftAddress, long expected, String joinToken) {
        AppliedState now = applied.get();
        long mine = now.state().pool().map(p -> p.generation()).orElse(0L);
        if (expected != 0 && expected != mine) {
            return CompletableFuture.failedFuture(PoolException.of(
                    ErrorCode.POOL_GENERATION_STALE,
                    List.of(Long.toString(expected), Long.toString(mine)),
                    "this member is of generation " + mine));
        }
        Host known = now.state().hosts().get(host.uuid());
        CompletableFuture<HostRole> role;
        if (known != null && !sameHost(known, host, raftAddress)) {
            refusals.refused(
                    host.uuid().toString(),
                    () -> "refused a join from host " + host.uuid() + " at " + host.address() + ": the pool has it at "
                            + known.address());
            return CompletableFuture.failedFuture(PoolException.of(
                    ErrorCode.UUID_ALREADY_EXISTS,
                    List.of("host", host.uuid().toString()),
                    "the pool has host " + host.uuid() + " at " + known.address()));
        } else if (known != null) {
            // Rejoining a new generation after a reset, or asking again after its answer was lost (or its peer was not
            // taken in): it keeps its record and role, and its peer is added if it is not there.
            role = CompletableFuture.completedFuture(known.role());
        } else {
            CompletableFuture<String> tokenId = verifiedTokenId(now, host, joinToken);
            role = tokenId.thenCompose(id -> pool.submit(new PoolCommand(
                            RequestIds.join(host.uuid(), mine, now.logIndex()),
                            0,
                            0,
                            new Operation.PoolJoin(host, id))))
                    .thenApply(reply -> ((Result.Joined) CommandPool.resultOrThrow(reply)).role());
            role.whenComplete((r, e) -> {
                // Refused here, or revoked or expired between the check and the commit (the pool's rules refused it).
                if (e != null) {
                    JoinTokenCheck.tokenCode(e)
                            .ifPresent(code -> refusals.refused(
                                    host.uuid().toString(),
                                    () -> "refused a join from host " + host.uuid() + " at " + host.address() + ": "
                                            + code.name()));
                }
            });
        }
        CompletableFuture<HostRole> added = new CompletableFuture<>();
        role.whenComplete((r, e) -> {
            if (e != null) {
                added.completeExceptionally(e);
                return;
            }
            // Adding a peer blocks on Raft: never on the apply or gRPC threads.
            scheduler.execute(() -> {
                try {
                    groups.addPeer(host.uuid(), raftAddress, r);
                    added.complete(r);
                } catch (IOException | RuntimeException ex) {
                    added.completeExceptionally(PoolException.of(ErrorCode.NO_QUORUM, List.of(), ex.toString()));
                }
            });
        });
        return added;
    }

    /**
     * Whether a join of a host the pool has comes from that host: the same address and kind (witness or not) as
     * recorded, and not in the Raft configuration at another Raft address. Anything else is another machine claiming
     * the uuid of a host the pool has: refused, so that it takes neither the host's place in Raft nor its copy.
     */
    private boolean sameHost(Host known, Operation.HostSpec host, String raftAddress) {
        return known.address().equals(host.address())
                && (known.role() == HostRole.WITNESS) == host.witness()
                && groups.peerAddress(host.uuid()).map(raftAddress::equals).orElse(true);
    }

    /**
     * The id of {@code token} once it checks out against this member's state. A token this member has not seen may
     * have been created a moment ago and not be applied here yet (a joiner may ask any member): after a
     * linearizable read it is checked once more.
     */
    private CompletableFuture<String> verifiedTokenId(AppliedState now, Operation.HostSpec host, String token) {
        CompletableFuture<AppliedState> state = JoinTokenCheck.unknownId(now.state(), token)
                ? linearizable.get()
                : CompletableFuture.completedFuture(now);
        return state.thenApply(s -> {
            Optional<ErrorCode> bad = JoinTokenCheck.refusal(s.state(), token);
            if (bad.isPresent()) {
                throw PoolException.of(bad.get(), List.of(), bad.get().description());
            }
            return JoinTokenText.parse(token).orElseThrow().id();
        });
    }

    Operation.HostSpec hostSpec() {
        return new Operation.HostSpec(
                config.hostId(), config.nameLabel(), config.serviceAddress(), config.memoryTotal(), config.witness());
    }
}
