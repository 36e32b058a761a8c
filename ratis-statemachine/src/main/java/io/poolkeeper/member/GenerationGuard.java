package io.poolkeeper.member;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.port.PeerLink;
import io.poolkeeper.port.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * Generations (DESIGN §5), on this member: asks the pool's other hosts which generation they are in, makes this
 * member stale when one is newer, and holds a new master's writes until that check is done ({@link
 * GenerationCheck}). Also remembers when each host last answered, which the master's half-pool rule reads.
 *
 * <p>Thread-safe.
 */
final class GenerationGuard {
    private final HostId self;
    private final PeerLink peers;
    private final Scheduler scheduler;
    private final Supplier<PoolState> state;
    private final RoleState role;
    private final LongConsumer onStale;
    private final GenerationCheck check;
    private final Duration electionTimeoutMax;
    private final Duration emergencyAfter;
    private final Map<HostId, Long> lastAnswer = new ConcurrentHashMap<>();
    /** When this member's Raft last named each other host its leader (this member's clock). */
    private final Map<HostId, Long> leaderSeen = new ConcurrentHashMap<>();
    /** Whether the gate of the current leadership was opened at its election ({@link #elected}); guarded by this. */
    private boolean gateOpened;

    GenerationGuard(
            HostId self,
            PeerLink peers,
            Scheduler scheduler,
            Supplier<PoolState> state,
            RoleState role,
            Duration electionTimeoutMax,
            Duration emergencyAfter,
            LongConsumer onStale) {
        this.self = self;
        this.peers = peers;
        this.scheduler = scheduler;
        this.state = state;
        this.role = role;
        this.onStale = onStale;
        this.check = new GenerationCheck(electionTimeoutMax);
        this.electionTimeoutMax = electionTimeoutMax;
        this.emergencyAfter = emergencyAfter;
    }

    /** This member's Raft names {@code leader} (another host) the leader of its group now. */
    void leaderSeen(HostId leader, long nanos) {
        leaderSeen.put(leader, nanos);
    }

    /**
     * This member's Raft was just elected leader: writes wait for a {@link #probe(boolean) gated} probe, which starts
     * now, while Raft builds the leader's state and commits the term's first entry, rather than once this member is
     * master. On a member that had not led since it started, those steps took 150–170 ms and the probe 60–70 ms
     * after them, which every first write waited out (docs/BENCHMARKS.md, session 19).
     */
    synchronized void elected() {
        if (state.get().pool().isEmpty()) {
            return; // a member that has not applied its pool yet: the gate opens with the mastership, as before
        }
        check.leadershipStarted();
        gateOpened = true;
        scheduler.execute(() -> probe(true));
    }

    /**
     * This member became master: writes wait for the gated probe, started now unless it started at the election. Then
     * the hosts are asked again, ungated: the election's probe asked those of the state applied at the election, which
     * may lag the log by the last few entries (a host that joined a moment before).
     */
    synchronized void mastershipStarted() {
        if (gateOpened) {
            gateOpened = false;
            scheduler.execute(() -> probe(false));
            return;
        }
        check.leadershipStarted();
        scheduler.execute(() -> probe(true));
    }

    /** This member's Raft leadership ended: the next mastership's gate is that of its own election. */
    synchronized void leadershipEnded() {
        gateOpened = false;
    }

    /**
     * Asks the other hosts of the pool which generation they are in. A newer one makes this member stale. At the
     * start of a leadership ({@code gate}) writes wait for the answers, so a master of a superseded generation
     * never accepts one; hosts that do not answer within the check's deadline cannot hold a newer generation that
     * matters to a write this member could take. Nor does the gate wait for a host this member's Raft followed as
     * leader a moment ago (see {@link #cannotBeNewer}): the old master, whose loss is why this
     * member leads, is often the one host that does not answer (a pulled cable, a power cut), and the gate would
     * hold every first write for the whole deadline (measured: 610 ms of a silent master's failover).
     */
    void probe(boolean gate) {
        PoolState now = state.get();
        if (now.pool().isEmpty()) {
            if (gate) {
                check.checked(true);
            }
            return;
        }
        long mine = now.requirePool().generation();
        String poolUuid = now.requirePool().uuid().toString();
        List<CompletableFuture<?>> answers = new ArrayList<>();
        long asked = scheduler.nanos();
        for (Host host : now.hosts().values()) {
            if (host.uuid().equals(self)) {
                continue;
            }
            CompletableFuture<?> answer = peers.status(host.address(), check.deadline())
                    .handle((status, error) -> {
                        if (status != null && status.poolUuid().equals(poolUuid)) {
                            lastAnswer.put(host.uuid(), scheduler.nanos());
                            observed(status.generation());
                        }
                        return null;
                    });
            if (!gate || !cannotBeNewer(host.uuid(), now, asked)) {
                answers.add(answer);
            }
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).whenComplete((ok, e) -> {
            if (gate) {
                check.checked(role.get() != MemberState.STALE);
            }
        });
    }

    /**
     * Whether {@code host} cannot be in a newer generation now, because this member's Raft named it leader too
     * recently. A host leaves a generation by founding the next one, or by being reset into a next one that another
     * host founded (which the probe asks too). Founding takes an emergency transition, possible only after
     * emergency-after without a master, or, with pool HA on, a re-founding once every host outside its partition has
     * provably fenced: at least the HA timeout after its last contact with them. A follower's Raft forgets its leader
     * one election timeout after the leader's last append, so the host led until at least an election timeout
     * before this member last saw it named leader, and founded nothing before half of the shorter of those spans has
     * passed since (half: for the clock drift between hosts, and for a host configured with a shorter
     * emergency-after than this one).
     */
    private boolean cannotBeNewer(HostId host, PoolState now, long nanos) {
        Long seen = leaderSeen.get(host);
        Optional<Duration> ha = now.pool().filter(p -> p.haEnabled()).map(p -> p.haTimeout());
        return seen != null
                && nanos - seen
                        < leaderExcuse(emergencyAfter, ha, electionTimeoutMax).toNanos();
    }

    /**
     * How long after this member's Raft last named a host leader that host cannot have founded a newer generation
     * (see {@link #cannotBeNewer}): half the shorter of emergency-after and the HA timeout (when HA is on), less an
     * election timeout; zero when that is not positive.
     */
    static Duration leaderExcuse(Duration emergencyAfter, Optional<Duration> haTimeout, Duration electionTimeoutMax) {
        Duration founding =
                haTimeout.filter(t -> t.compareTo(emergencyAfter) < 0).orElse(emergencyAfter);
        Duration excuse = founding.dividedBy(2).minus(electionTimeoutMax);
        return excuse.isNegative() ? Duration.ZERO : excuse;
    }

    /** A generation seen on a call or an answer: newer than this member's makes it stale. */
    void observed(long generation) {
        long mine = state.get().pool().map(p -> p.generation()).orElse(0L);
        if (generation > mine && mine > 0) {
            if (role.becomeStale(
                    generation, "the pool moved on to generation " + generation + " (this one: " + mine + ")")) {
                check.checked(false);
                onStale.accept(generation);
            }
        }
    }

    /** When {@code host} last answered a probe as a member of this pool, if it did. */
    Optional<Long> lastAnswer(HostId host) {
        return Optional.ofNullable(lastAnswer.get(host));
    }

    /** On the leader, before a write is logged: refuses it when this member is stale, waits for the check. */
    void beforeWrite() throws IOException {
        if (role.get() == MemberState.STALE) {
            throw new IOException(
                    ErrorCode.POOL_GENERATION_STALE.name() + ": the pool moved on to generation " + role.staleBy());
        }
        if (!check.awaitChecked()) {
            throw new IOException(ErrorCode.POOL_GENERATION_STALE.name() + ": a newer generation exists");
        }
    }
}
