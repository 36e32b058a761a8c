package io.poolkeeper.member;

import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.HostId;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's {@link MemberState} and the only thing that moves it (Curator's {@code ConnectionStateManager}): every
 * move is logged with its reason and told to listeners, in order. A move names the states it may leave, so two
 * racing causes (a tick seeing a leader, Raft making this member leader) cannot overwrite each other.
 *
 * <p>Thread-safe. Listeners run on the thread that made the move, under this object's lock: they must be quick and
 * must not wait for another thread that moves the state.
 */
public final class RoleState {
    private static final Logger LOG = LoggerFactory.getLogger(RoleState.class);

    /** One move, as listeners see it. */
    public record Change(MemberState from, MemberState to, String why) {}

    /** States a member in a pool's Raft group moves between by itself. */
    static final Set<MemberState> FOLLOWING =
            EnumSet.of(MemberState.STARTING, MemberState.SLAVE, MemberState.NO_MASTER, MemberState.EMERGENCY);

    private final HostId self;
    private final Duration emergencyAfter;
    private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
    private volatile MemberState state = MemberState.STARTING;
    /** Counts the moves, so a tick acts only on the state it saw (see {@link #moveIfUnchanged}). */
    private long moves;
    /** The newer generation learned of while {@link MemberState#STALE}. */
    private volatile long staleBy;
    /** The generation a re-founding is founding and importing the pool into; 0 when none is. */
    private volatile long founding;

    RoleState(HostId self, Duration emergencyAfter) {
        this.self = self;
        this.emergencyAfter = emergencyAfter;
    }

    public MemberState get() {
        return state;
    }

    /** The state with the number of moves so far, read together. */
    record Seen(MemberState state, long moves) {}

    synchronized Seen seen() {
        return new Seen(state, moves);
    }

    /**
     * Moves to {@code to} only if nothing moved the state since {@code seen} was read: a periodic check acting on
     * what it saw must not undo what a procedure did meanwhile (a re-founding that just left emergency mode).
     */
    synchronized boolean moveIfUnchanged(Seen seen, MemberState to, String why) {
        return moves == seen.moves() && move(EnumSet.of(seen.state()), to, why);
    }

    /**
     * A re-founding founds generation {@code generation} and imports the pool into it (0: done): writes are refused
     * meanwhile, retryable, except the import's own, which go to the group commit directly.
     */
    void founding(long generation) {
        founding = generation;
    }

    long staleBy() {
        return state == MemberState.STALE ? staleBy : 0;
    }

    void listen(Consumer<Change> listener) {
        listeners.add(listener);
    }

    /**
     * Moves to {@code to} if the state is one of {@code from}; true when it moved (or already was there). Listeners
     * are told under the same lock, so they see every move in the order it happened (a master's duties are never
     * started after the move that ended its mastership was told).
     */
    synchronized boolean move(Set<MemberState> from, MemberState to, String why) {
        MemberState now = state;
        if (now == to) {
            return true;
        }
        if (!from.contains(now)) {
            return false;
        }
        state = to;
        moves++;
        Change change = new Change(now, to, why);
        LOG.info("member {}: {} -> {} ({})", self, now, to, why);
        for (Consumer<Change> l : listeners) {
            try {
                l.accept(change);
            } catch (RuntimeException e) {
                LOG.warn("role listener failed: {}", e.toString());
            }
        }
        return true;
    }

    /** Moves to {@code to} from any state but {@link MemberState#CLOSED}. */
    boolean force(MemberState to, String why) {
        return move(EnumSet.complementOf(EnumSet.of(MemberState.CLOSED)), to, why);
    }

    /** Stale: the pool moved on to {@code newer}; false when already stale by as much, or not in a pool. */
    synchronized boolean becomeStale(long newer, String why) {
        if (state == MemberState.STALE && staleBy >= newer) {
            return false;
        }
        if (state == MemberState.STALE) {
            staleBy = newer;
            return false;
        }
        // Not while STARTING either: a procedure holding the member's group lock is moving it between generations
        // (a reset joining the newer one), and the first probe after it looks again.
        if (!state.inGroup()) {
            return false;
        }
        staleBy = newer;
        return move(EnumSet.complementOf(EnumSet.of(MemberState.CLOSED)), MemberState.STALE, why);
    }

    /**
     * Fails at once when this member cannot take part in writes: not running, in no pool, stale, fenced or in
     * emergency mode (DESIGN §4: we answer at once where xapi hangs).
     */
    void checkWritable(long generation) {
        long next = founding;
        if (next != 0) {
            // Until the pool is imported into the new generation a write there would find no pool (NO_POOL, final);
            // refused as not running instead, which a client retries.
            throw PoolException.of(
                    ErrorCode.MEMBER_NOT_RUNNING,
                    List.of(),
                    "member is founding generation " + next + " of its pool: retry once it is founded");
        }
        switch (state) {
            case STARTING -> throw PoolException.of(
                    ErrorCode.MEMBER_NOT_RUNNING, List.of(), "member is not running: starting, or between generations");
            case CLOSED -> throw PoolException.of(
                    ErrorCode.MEMBER_NOT_RUNNING, List.of(), "member is not running: closed");
            case STALE -> throw PoolException.of(
                    ErrorCode.POOL_GENERATION_STALE,
                    List.of(Long.toString(generation), Long.toString(staleBy)),
                    "this member is of generation " + generation + "; the pool moved on to " + staleBy
                            + ": run pool-emergency-reset-master");
            case STANDALONE -> throw PoolException.of(
                    ErrorCode.NO_POOL, List.of(), "this member is not part of a pool");
            case FENCED -> throw PoolException.of(
                    ErrorCode.MEMBER_FENCED, List.of(self.toString()), "this member fenced itself");
            case EMERGENCY -> throw PoolException.of(
                    ErrorCode.HOST_IN_EMERGENCY_MODE,
                    List.of(self.toString()),
                    "no master for " + emergencyAfter.toSeconds()
                            + " s: only local reads and the emergency commands are served");
            case MASTER, SLAVE, NO_MASTER -> {}
        }
    }
}
