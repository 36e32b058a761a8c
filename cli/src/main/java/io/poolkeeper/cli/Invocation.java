package io.poolkeeper.cli;

import io.poolkeeper.api.BlockingPool;
import io.poolkeeper.api.ErrorCode;
import io.poolkeeper.api.PoolClient;
import io.poolkeeper.api.PoolException;
import io.poolkeeper.api.PoolView;
import io.poolkeeper.api.ReadConsistency;
import io.poolkeeper.api.model.Host;
import io.poolkeeper.api.model.HostId;
import io.poolkeeper.api.model.Vm;
import io.poolkeeper.api.model.VmId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One parsed xe-style command: the {@code name=value} parameters given, {@code --force}, and the {@link Session}.
 * Its helpers parse values and resolve objects by uuid or name-label, failing with a {@link UsageException} for a
 * malformed value and {@link ErrorCode#HANDLE_INVALID} for an object that does not exist. Not thread-safe.
 */
final class Invocation {
    private final String command;
    private final Map<String, String> values;
    private final Map<String, SortedMap<String, String>> maps;
    private final boolean force;
    private final Session session;
    private PoolView view;
    private PoolView localView;

    Invocation(
            String command,
            Map<String, String> values,
            Map<String, SortedMap<String, String>> maps,
            boolean force,
            Session session) {
        this.command = command;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.maps = Map.copyOf(maps);
        this.force = force;
        this.session = session;
    }

    String command() {
        return command;
    }

    /** The {@code name=value} parameters given, in command-line order. */
    Map<String, String> given() {
        return values;
    }

    Optional<String> opt(String name) {
        return Optional.ofNullable(values.get(name));
    }

    String req(String name) {
        return opt(name).orElseThrow(() -> new UsageException(command + " needs " + name + "="));
    }

    /** A map parameter ({@code device-config:key=value}); empty when not given. */
    SortedMap<String, String> map(String name) {
        return maps.getOrDefault(name, new TreeMap<>());
    }

    boolean force() {
        return force;
    }

    Session session() {
        return session;
    }

    PoolClient client() {
        return session.client();
    }

    BlockingPool pool() {
        return client().pool().blocking();
    }

    /** The pool's state, read once per invocation with the session's consistency. */
    PoolView view() {
        if (view == null) {
            view = pool().read(session.consistency());
        }
        return view;
    }

    /** A parameter's value parsed; a malformed value is a usage error naming the parameter. */
    <T> T parsed(String name, Function<String, T> parser) {
        return parse(name, req(name), parser);
    }

    <T> Optional<T> parsedOpt(String name, Function<String, T> parser) {
        return opt(name).map(v -> parse(name, v, parser));
    }

    static <T> T parse(String name, String value, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(name + ": " + e.getMessage());
        }
    }

    /** The VM given as {@code uuid=} or {@code vm=} (a uuid or a unique name-label). */
    VmId vm() {
        return vm("uuid", "vm");
    }

    VmId vm(String uuidParam, String selectorParam) {
        Optional<String> uuid = opt(uuidParam);
        if (uuid.isPresent()) {
            return parse(uuidParam, uuid.get(), VmId::of);
        }
        String selector = opt(selectorParam)
                .orElseThrow(() -> new UsageException(
                        command + " needs " + uuidParam + "= or " + selectorParam + "= (a name-label or uuid)"));
        return vmNamed(selector, selectorParam);
    }

    /** The VM {@code selector} names: a uuid, or a unique name-label. */
    VmId vmNamed(String selector, String selectorParam) {
        if (isUuid(selector)) {
            return VmId.of(selector);
        }
        List<VmId> named = view().vms().values().stream()
                .filter(vm -> vm.nameLabel().equals(selector))
                .map(Vm::uuid)
                .toList();
        return unique("VM", selector, named, selectorParam);
    }

    /** The host given as {@code uuid=} or {@code host=} (a uuid or a unique name-label). */
    HostId host() {
        Optional<String> uuid = opt("uuid");
        if (uuid.isPresent()) {
            return parse("uuid", uuid.get(), HostId::of);
        }
        return host("host").orElseThrow(() -> new UsageException(command + " needs uuid= or host="));
    }

    /** The host named by parameter {@code name} (a uuid or a unique name-label), if given. */
    Optional<HostId> host(String name) {
        return opt(name).map(selector -> host(selector, name, this::view));
    }

    /**
     * The host {@code selector} names: a uuid, or a unique name-label looked up in the view {@code views} gives (read
     * only then).
     */
    HostId host(String selector, String param, Supplier<PoolView> views) {
        if (isUuid(selector)) {
            return HostId.of(selector);
        }
        List<HostId> named = views.get().hosts().values().stream()
                .filter(h -> h.nameLabel().equals(selector))
                .map(Host::uuid)
                .toList();
        return unique("host", selector, named, param);
    }

    /**
     * The answering member's own copy of the pool, read once per invocation whatever the session's consistency: for
     * commands that must work without a master (the fault-injection ones).
     */
    PoolView localView() {
        if (localView == null) {
            localView = pool().read(ReadConsistency.LOCAL);
        }
        return localView;
    }

    private <T> T unique(String xeClass, String selector, List<T> found, String uuidParam) {
        if (found.isEmpty()) {
            throw PoolException.of(
                    ErrorCode.HANDLE_INVALID, List.of(xeClass, selector), "no " + xeClass + " named " + selector);
        }
        if (found.size() > 1) {
            throw new UsageException(
                    found.size() + " " + xeClass + "s are named " + selector + ": give " + uuidParam + "= instead");
        }
        return found.get(0);
    }

    static boolean isUuid(String text) {
        try {
            return text.length() == 36 && UUID.fromString(text) != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
