package io.poolkeeper.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.HostAgent;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.MemberRole;
import io.poolkeeper.api.model.PowerState;
import io.poolkeeper.codec.ResultCodec;
import io.poolkeeper.core.Operation;
import io.poolkeeper.core.PoolState;
import io.poolkeeper.ratis.RaftGroups;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * One member's meters on the embedder's {@link MeterRegistry}, every one named {@code poolkeeper.*} and tagged
 * {@code host} (this member's host uuid), so members sharing a registry stay apart. Gauges read the member through a
 * {@link MemberProbe} on each scrape; counters and timers are fed by the runtime as things happen. The list of meters
 * is in the README ("Metrics").
 *
 * <p>{@link #none()} (no registry given) records nothing and costs a branch per call: the library never touches
 * {@code Metrics.globalRegistry} or any other JVM-wide state. {@link #close()} removes this member's meters from the
 * registry, so a registry outliving a closed member shows no stale values. Thread-safe.
 */
public final class MemberMetrics implements AutoCloseable {
    private static final MemberMetrics NONE = new MemberMetrics(null, Tags.empty());

    private final MeterRegistry registry;
    private final Tags host;
    /** Every meter registered here, removed at close. */
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    /** Meters made on first use (a tag set per operation, code or call), looked up without the builder's cost. */
    private final Map<String, Meter> dynamic = new ConcurrentHashMap<>();

    private volatile boolean closed;
    /** The counts of the last state scraped: recomputed only when the applied state changed. */
    private volatile PoolCounts counts;

    private MemberMetrics(MeterRegistry registry, Tags host) {
        this.registry = registry;
        this.host = host;
    }

    /** Meters on {@code registry} for the member of {@code host}, or {@link #none()} without a registry. */
    public static MemberMetrics of(Optional<MeterRegistry> registry, HostId host) {
        return registry.map(r -> new MemberMetrics(r, Tags.of("host", host.toString())))
                .orElse(NONE);
    }

    /** Records nothing. */
    public static MemberMetrics none() {
        return NONE;
    }

    public boolean enabled() {
        return registry != null;
    }

    /** Registers the gauges that read the member. Once, before the member starts. */
    public void bind(MemberProbe probe) {
        if (registry == null) {
            return;
        }
        for (MemberRole role : MemberRole.values()) {
            gauge(
                    "poolkeeper.member.role",
                    "1 for the member's current role, 0 for the others",
                    probe,
                    p -> p.role() == role ? 1 : 0,
                    Tags.of("role", role.name()));
        }
        gauge("poolkeeper.raft.term", "Raft's current term", probe, raft(RaftGroups.Progress::term), Tags.empty());
        gauge(
                "poolkeeper.raft.commit.index",
                "the index of the last committed Raft log entry",
                probe,
                raft(RaftGroups.Progress::commitIndex),
                Tags.empty());
        gauge(
                "poolkeeper.raft.applied.index",
                "the index of the last Raft log entry applied to the pool's state",
                probe,
                raft(RaftGroups.Progress::appliedIndex),
                Tags.empty());
        gauge(
                "poolkeeper.pool.applied.sequence",
                "the pool's count of applied commands (fencing and event tokens)",
                probe,
                p -> p.applied().sequence(),
                Tags.empty());
        gauge(
                "poolkeeper.hosts",
                "hosts of the pool, live or dead",
                probe,
                p -> counts(p).live(),
                Tags.of("state", "live"));
        gauge(
                "poolkeeper.hosts",
                "hosts of the pool, live or dead",
                probe,
                p -> counts(p).dead(),
                Tags.of("state", "dead"));
        for (PowerState state : PowerState.values()) {
            gauge(
                    "poolkeeper.vms",
                    "VMs of the pool by power state",
                    probe,
                    p -> counts(p).vms().get(state),
                    Tags.of("power_state", state.name().toLowerCase(Locale.ROOT)));
        }
        gauge(
                "poolkeeper.ha.armed",
                "1 while pool HA is armed on this member",
                probe,
                p -> p.ha().armed() ? 1 : 0,
                Tags.empty());
        gauge(
                "poolkeeper.ha.liveset",
                "hosts in the HA liveset this member holds",
                probe,
                p -> p.ha().liveset(),
                Tags.empty());
        gauge(
                "poolkeeper.ha.surviving",
                "1 while this member is armed and in a surviving partition",
                probe,
                p -> p.ha().surviving() ? 1 : 0,
                Tags.empty());
        gauge(
                "poolkeeper.ha.fence.deadline.seconds",
                "seconds until this member fences itself; NaN while it is in a surviving partition",
                probe,
                p -> {
                    OptionalLong left = p.ha().fenceInNanos();
                    return left.isPresent() ? left.getAsLong() / 1e9 : Double.NaN;
                },
                Tags.empty());
    }

    private static ToDoubleFunction<MemberProbe> raft(ToDoubleFunction<RaftGroups.Progress> field) {
        return p -> {
            Optional<RaftGroups.Progress> progress = p.raft();
            return progress.isPresent() ? field.applyAsDouble(progress.get()) : Double.NaN;
        };
    }

    private PoolCounts counts(MemberProbe probe) {
        PoolState state = probe.applied().state();
        PoolCounts last = counts;
        if (last == null || last.state() != state) {
            last = PoolCounts.of(state);
            counts = last;
        }
        return last;
    }

    private void gauge(String name, String help, MemberProbe probe, ToDoubleFunction<MemberProbe> value, Tags tags) {
        meters.add(Gauge.builder(name, probe, value)
                .description(help)
                .tags(host.and(tags))
                .strongReference(true)
                .register(registry));
    }

    /** The embedder's agent, its calls timed; the agent itself without a registry. */
    public HostAgent meter(HostAgent agent) {
        return registry == null ? agent : new MeteredHostAgent(agent, this);
    }

    /**
     * Times a command from its submission to its answer, by operation and outcome ({@code applied}, {@code rejected}
     * with the rejection's code counted too, {@code failed}: no master, no quorum, unknown outcome). Returns a future
     * that completes as {@code reply} does once recorded, so a caller who got the answer sees it counted.
     */
    public CompletableFuture<ResultCodec.Reply> command(
            Operation operation, CompletableFuture<ResultCodec.Reply> reply) {
        if (registry == null || closed) {
            return reply;
        }
        Timer.Sample sample = Timer.start(registry);
        String name = OperationNames.of(operation);
        // Completed by hand, not as a dependent stage: the caller gets the very exception, unwrapped as it was.
        CompletableFuture<ResultCodec.Reply> recorded = new CompletableFuture<>();
        reply.whenComplete((r, error) -> {
            try {
                record(sample, name, r, error);
            } finally {
                if (error != null) {
                    recorded.completeExceptionally(error);
                } else {
                    recorded.complete(r);
                }
            }
        });
        return recorded;
    }

    private void record(Timer.Sample sample, String name, ResultCodec.Reply r, Throwable error) {
        if (closed) {
            return;
        }
        String outcome;
        if (error != null) {
            outcome = "failed";
            counter(
                            "poolkeeper.commands.failed",
                            "commands that failed without an answer, by code",
                            Tags.of("operation", name, "code", code(error)))
                    .increment();
        } else if (r.rejection().isPresent()) {
            outcome = "rejected";
            counter(
                            "poolkeeper.commands.rejected",
                            "commands refused by the pool, by code",
                            Tags.of(
                                    "operation",
                                    name,
                                    "code",
                                    r.rejection().get().code().name()))
                    .increment();
        } else {
            outcome = "applied";
        }
        Timer timer = timer(
                "poolkeeper.commands",
                "commands from submission to answer",
                Tags.of("operation", name, "outcome", outcome));
        if (timer != null) {
            sample.stop(timer);
        }
    }

    private static String code(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return t instanceof PoolException p ? p.code().name() : ErrorCode.TIMEOUT.name();
    }

    /** One Raft entry sent with {@code size} commands (group commit). */
    public void batch(int size) {
        if (registry == null || closed) {
            return;
        }
        Meter summary = dynamic.computeIfAbsent(
                "batch",
                k -> register(DistributionSummary.builder("poolkeeper.batch.commands")
                        .description("commands per Raft log entry sent by this member (group commit)")
                        .baseUnit("commands")
                        .tags(host)
                        .register(registry)));
        ((DistributionSummary) summary).record(size);
    }

    /** This member learned of a new Raft leader (itself or another). */
    public void leaderChanged() {
        if (registry != null && !closed) {
            Counter c =
                    counter("poolkeeper.raft.leader.changes", "new Raft leaders this member learned of", Tags.empty());
            c.increment();
        }
    }

    /** A timer's start on the registry's clock (for {@link #agentCall}). */
    Timer.Sample startTimer() {
        return Timer.start(registry);
    }

    void agentCall(String call, Timer.Sample sample, boolean ok) {
        Timer timer = timer(
                "poolkeeper.agent.calls",
                "calls of the host agent, by call and outcome (failed: it threw)",
                Tags.of("call", call, "outcome", ok ? "ok" : "failed"));
        if (timer != null) {
            sample.stop(timer);
        }
    }

    /** The counter, made on first use; callers check {@link #closed} first. */
    private Counter counter(String name, String help, Tags tags) {
        return (Counter) dynamic.computeIfAbsent(
                key(name, tags),
                k -> register(Counter.builder(name)
                        .description(help)
                        .tags(host.and(tags))
                        .register(registry)));
    }

    /** The timer, or null once closed (a late answer must not register a meter again). */
    private Timer timer(String name, String help, Tags tags) {
        if (closed) {
            return null;
        }
        return (Timer) dynamic.computeIfAbsent(
                key(name, tags),
                k -> register(Timer.builder(name)
                        .description(help)
                        .tags(host.and(tags))
                        .register(registry)));
    }

    private static String key(String name, Tags tags) {
        return name + tags;
    }

    private <M extends Meter> M register(M meter) {
        meters.add(meter);
        return meter;
    }

    /** Removes this member's meters from the registry. Idempotent. */
    @Override
    public void close() {
        if (registry == null || closed) {
            return;
        }
        closed = true;
        for (Meter m : meters) {
            registry.remove(m);
        }
        meters.clear();
    }
}
