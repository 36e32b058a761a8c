package io.poolkeeper.cli;

import java.util.List;
import java.util.Objects;

/**
 * One xe-style command in the CLI's declarative table (xapi's {@code cli_frontend} style): its name, the
 * {@code name=value} parameters it takes, whether it takes {@code --force}, and what it does. Immutable.
 *
 * @param name the command name ({@code vm-start})
 * @param group the help section it is listed under
 * @param summary one line for the command list and the top of its help
 * @param params its parameters, required ones first
 * @param takesForce whether {@code --force} is accepted
 * @param handler what it does
 */
record XeCommand(String name, Group group, String summary, List<Param> params, boolean takesForce, Handler handler) {

    /** The help sections. */
    enum Group {
        POOL("Pool"),
        HOST("Hosts"),
        VM("VMs"),
        STORAGE("Storage"),
        EVENT("Events"),
        FAULT("Fault injection (tests only: members started with --allow-fault-injection)");

        final String title;

        Group(String title) {
            this.title = title;
        }
    }

    /**
     * A {@code name=value} parameter.
     *
     * @param name its name as typed
     * @param label what the value is, for help ({@code UUID}, {@code BYTES})
     * @param help one line
     * @param required whether the command cannot run without it
     * @param map whether it is a map typed as {@code name:key=value} (xe's {@code device-config:server=...})
     */
    record Param(String name, String label, String help, boolean required, boolean map) {
        Param {
            Objects.requireNonNull(name, "name");
        }

        static Param required(String name, String label, String help) {
            return new Param(name, label, help, true, false);
        }

        static Param optional(String name, String label, String help) {
            return new Param(name, label, help, false, false);
        }

        static Param map(String name, String help) {
            return new Param(name, "KEY=VALUE", help, false, true);
        }
    }

    /** What a command does, given its parsed invocation. */
    @FunctionalInterface
    interface Handler {
        Output run(Invocation invocation);
    }

    XeCommand {
        params = List.copyOf(params);
    }

    static XeCommand of(String name, Group group, String summary, List<Param> params, Handler handler) {
        return new XeCommand(name, group, summary, params, false, handler);
    }

    static XeCommand forced(String name, Group group, String summary, List<Param> params, Handler handler) {
        return new XeCommand(name, group, summary, params, true, handler);
    }
}
