package io.poolkeeper.core;

import io.poolkeeper.api.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The largest input a command may carry, all in one place (issue 12). Every path into the log checks a command here
 * before proposing it (the member's write path, the remote {@code Submit}, {@code Join}), and {@link Transition#apply}
 * checks it again, so whatever a leader proposes every replica refuses the same over-limit command the same way.
 *
 * <p>A command over a limit is refused with {@link ErrorCode#INVALID_VALUE} and the parameters {@code [field, limit,
 * size]}; nothing changes. The limits are generous for real pools (xapi has no hard limit on a name-label; a pool has
 * at most 64 hosts): they only keep a single request from bloating the log, every replica's memory and the snapshots.
 * Lengths are counted in {@code char}s (UTF-16 code units).
 *
 * <p>Pure and stateless.
 */
public final class InputLimits {
    /**
     * A request id: clients use UUIDs (36 characters), members' own ids (see {@code member.RequestIds}) are under 100.
     */
    public static final int REQUEST_ID = 128;

    /** A name-label of a pool, host, VM, SR or VDI, whether created with it or set by {@code *-param-set}. */
    public static final int NAME_LABEL = 1024;

    /** The key of a {@code *-param-set} (the longest known is {@code ha-host-failures-to-tolerate}). */
    public static final int PARAM_KEY = 256;

    /** The value of a {@code *-param-set} other than a name-label; room for a description of a few KiB. */
    public static final int PARAM_VALUE = 4096;

    /** An address ({@code host:port}; a DNS name has at most 253 characters). */
    public static final int ADDRESS = 300;

    /** A short token: an SR type ({@code lvmoiscsi}), a VBD device ({@code xvda}). */
    public static final int SHORT_TEXT = 64;

    /** Entries of a string map ({@code device-config}). */
    public static final int MAP_ENTRIES = 256;

    /** A key of a string map. */
    public static final int MAP_KEY = 256;

    /** A value of a string map. */
    public static final int MAP_VALUE = 4096;

    /** Hosts named in one command or beat (an SR's PBD placements, an HA beat's silences). */
    public static final int HOSTS = 1024;

    /** Parameters of an alert, and the length of each ({@link #PARAM_VALUE}). */
    public static final int ALERT_PARAMS = 16;

    /**
     * Bytes of memory or disk (a VM's or host's memory, a VDI's virtual size): 1 PiB. Summing a pool's worth of them
     * can then never overflow a {@code long}.
     */
    public static final long BYTES = 1L << 50;

    /** An HA timeout, in milliseconds: one day, as {@code pool-param-set ha-timeout} allows in seconds. */
    public static final long HA_TIMEOUT_MILLIS = 86_400_000L;

    /** A silence in an HA beat, in milliseconds: what still fits in a {@code long} of nanoseconds (292 years). */
    public static final long SILENCE_MILLIS = Long.MAX_VALUE / 1_000_000L;

    private InputLimits() {}

    /** Why {@code command} is over a limit, or empty when it is within all of them. */
    public static Optional<Rejection> check(PoolCommand command) {
        Optional<Rejection> id = length("request-id", command.requestId(), REQUEST_ID);
        return id.isPresent() ? id : check(command.operation());
    }

    /** Why {@code operation} is over a limit, or empty when it is within all of them. */
    public static Optional<Rejection> check(Operation operation) {
        return new Checks(operation.xeName()).of(operation).first;
    }

    /** Why the host a joiner describes is over a limit ({@code field} names it), or empty. */
    public static Optional<Rejection> check(String field, Operation.HostSpec spec) {
        return new Checks(field).hostSpec("", spec).first;
    }

    /** Why {@code text}, the value of {@code field}, is longer than {@code limit} characters, or empty. */
    public static Optional<Rejection> length(String field, String text, int limit) {
        return text.length() <= limit ? Optional.empty() : Optional.of(refusal(field, limit, text.length()));
    }

    /** Why {@code count} entries of {@code field} are more than {@code limit}, or empty. */
    public static Optional<Rejection> count(String field, int count, int limit) {
        return count <= limit ? Optional.empty() : Optional.of(refusal(field, limit, count));
    }

    /** Why {@code value} of {@code field} is outside {@code [min, max]}, or empty. */
    public static Optional<Rejection> range(String field, long value, long min, long max) {
        if (value >= min && value <= max) {
            return Optional.empty();
        }
        return Optional.of(new Rejection(
                ErrorCode.INVALID_VALUE,
                List.of(field, min + ".." + max, Long.toString(value)),
                field + " is " + value + "; it must be within " + min + ".." + max));
    }

    /**
     * Why {@code text}, the value of {@code field}, is not an address another member can be reached at: longer than
     * {@link #ADDRESS}, blank, holding white space or control characters, or without a {@code :port} (1-65535) at its
     * end. Empty when it is one.
     */
    public static Optional<Rejection> address(String field, String text) {
        Optional<Rejection> tooLong = length(field, text, ADDRESS);
        if (tooLong.isPresent()) {
            return tooLong;
        }
        int colon = text.lastIndexOf(':');
        boolean plain = text.chars().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
        String port = colon < 0 ? "" : text.substring(colon + 1);
        boolean numeric = !port.isEmpty() && port.length() <= 5 && port.chars().allMatch(c -> c >= '0' && c <= '9');
        if (plain && colon > 0 && numeric && Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65_535) {
            return Optional.empty();
        }
        return Optional.of(new Rejection(
                ErrorCode.INVALID_VALUE,
                List.of(field, "host:port", text),
                field + " is not an address of the form host:port"));
    }

    private static Rejection refusal(String field, long limit, long size) {
        return new Rejection(
                ErrorCode.INVALID_VALUE,
                List.of(field, Long.toString(limit), Long.toString(size)),
                field + " has " + size + " characters or entries; the limit is " + limit);
    }

    /** Collects the first refusal; later checks are skipped once one failed. */
    private static final class Checks {
        private final String prefix;
        Optional<Rejection> first = Optional.empty();

        Checks(String prefix) {
            this.prefix = prefix;
        }

        private String field(String name) {
            return name.isEmpty() ? prefix : prefix + " " + name;
        }

        Checks text(String name, String text, int limit) {
            if (first.isEmpty()) {
                first = length(field(name), text, limit);
            }
            return this;
        }

        Checks entries(String name, int count, int limit) {
            if (first.isEmpty()) {
                first = count(field(name), count, limit);
            }
            return this;
        }

        Checks bytes(String name, long value) {
            // Negative sizes are the rules' to refuse, with their own message; only the absurd top is cut here.
            if (first.isEmpty() && value > BYTES) {
                first = range(field(name), value, Long.MIN_VALUE, BYTES);
            }
            return this;
        }

        Checks map(String name, Map<String, String> map) {
            entries(name, map.size(), MAP_ENTRIES);
            for (Map.Entry<String, String> e : map.entrySet()) {
                text(name + " key", e.getKey(), MAP_KEY);
                text(name + " value", e.getValue(), MAP_VALUE);
            }
            return this;
        }

        Checks paramValue(String key, String value) {
            return text("value", value, key.equals("name-label") ? NAME_LABEL : PARAM_VALUE);
        }

        Checks hostSpec(String name, Operation.HostSpec spec) {
            String p = name.isEmpty() ? "" : name + " ";
            return text(p + "name-label", spec.nameLabel(), NAME_LABEL)
                    .text(p + "address", spec.address(), ADDRESS)
                    .bytes(p + "memory-total", spec.memoryTotal());
        }

        Checks of(Operation operation) {
            if (operation instanceof Operation.PoolCreate op) {
                return text("name-label", op.nameLabel(), NAME_LABEL).hostSpec("master", op.master());
            }
            if (operation instanceof Operation.PoolJoin op) {
                return hostSpec("host", op.host()).text("join-token", op.joinTokenId(), SHORT_TEXT);
            }
            if (operation instanceof Operation.PoolJoinTokenCreate op) {
                return text("id", op.id(), SHORT_TEXT).text("secret-sha256", op.secretSha256(), SHORT_TEXT);
            }
            if (operation instanceof Operation.PoolJoinTokenRevoke op) {
                return text("id", op.id(), SHORT_TEXT);
            }
            if (operation instanceof Operation.PoolParamSet op) {
                return text("key", op.key(), PARAM_KEY).paramValue(op.key(), op.value());
            }
            if (operation instanceof Operation.PoolHaEnable op) {
                if (op.timeoutMillis() > HA_TIMEOUT_MILLIS) {
                    first = range(field("timeout"), op.timeoutMillis(), 0, HA_TIMEOUT_MILLIS);
                }
                return this;
            }
            if (operation instanceof Operation.VmCreate op) {
                return text("name-label", op.nameLabel(), NAME_LABEL).bytes("memory", op.memory());
            }
            if (operation instanceof Operation.VmCompleteOperation op) {
                return text("message", op.message(), PARAM_VALUE);
            }
            if (operation instanceof Operation.VmParamSet op) {
                return text("key", op.key(), PARAM_KEY).paramValue(op.key(), op.value());
            }
            if (operation instanceof Operation.SrCreate op) {
                return text("name-label", op.nameLabel(), NAME_LABEL)
                        .text("type", op.type(), SHORT_TEXT)
                        .map("device-config", op.deviceConfig())
                        .entries("pbds", op.pbds().size(), HOSTS);
            }
            if (operation instanceof Operation.PbdCreate op) {
                return map("device-config", op.deviceConfig());
            }
            if (operation instanceof Operation.VdiCreate op) {
                return text("name-label", op.nameLabel(), NAME_LABEL).bytes("virtual-size", op.virtualSize());
            }
            if (operation instanceof Operation.VbdCreate op) {
                return text("device", op.device(), SHORT_TEXT);
            }
            if (operation instanceof Operation.PoolAlert op) {
                entries("params", op.params().size(), ALERT_PARAMS);
                op.params().forEach(param -> text("param", param, PARAM_VALUE));
                return this;
            }
            // The rest carry only ids, flags and numbers the rules judge (a re-founding's state was a valid pool's).
            return this;
        }
    }
}
