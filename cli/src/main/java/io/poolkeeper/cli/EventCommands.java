package io.poolkeeper.cli;

import io.poolkeeper.api.PoolEvent;
import io.poolkeeper.api.Subscription;
import io.poolkeeper.cli.XeCommand.Group;
import io.poolkeeper.cli.XeCommand.Param;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** {@code event-watch}: the pool's committed changes, one line each, from a token on (XenAPI's event.from). */
final class EventCommands {
    private EventCommands() {}

    static List<XeCommand> commands() {
        return List.of(XeCommand.of(
                "event-watch",
                Group.EVENT,
                "Print the pool's events as they are committed, from a token on, until Ctrl-C (or count=/timeout=)",
                List.of(
                        Param.optional(
                                "from", "TOKEN", "print events after this token (default: now; 0: all retained)"),
                        Param.optional("count", "N", "stop after N events"),
                        Param.optional("timeout", "DURATION", "stop after this long")),
                EventCommands::watch));
    }

    private static Output watch(Invocation in) {
        long from =
                in.parsedOpt("from", Values::number).orElseGet(() -> in.view().appliedIndex());
        long count = in.parsedOpt("count", Values::number).orElse(Long.MAX_VALUE);
        Optional<Duration> timeout = in.parsedOpt("timeout", Values::duration);
        long deadline = System.nanoTime() + timeout.map(Duration::toNanos).orElse(Long.MAX_VALUE / 2);
        BlockingQueue<PoolEvent> events = new LinkedBlockingQueue<>();
        long printed = 0;
        try (Subscription ignored = in.client().pool().watch(from, events::add)) {
            while (printed < count) {
                long left = deadline - System.nanoTime();
                PoolEvent event = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
                if (event == null) {
                    break;
                }
                print(in.session().printer(), event);
                printed++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Output.none();
    }

    private static void print(Printer printer, PoolEvent event) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("token", event.token());
        json.put("kind", event.kind().name());
        json.put("name", event.name());
        json.put("params", event.params());
        json.put("rejected-with", event.rejectedWith().map(Enum::name).orElse(null));
        String params = event.params().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
        String text = String.format(
                Locale.ROOT,
                "%d %s %s%s%s",
                event.token(),
                event.kind().name().toLowerCase(Locale.ROOT),
                event.name(),
                params.isEmpty() ? "" : " " + params,
                event.rejectedWith().map(c -> " rejected-with=" + c.name()).orElse(""));
        printer.line(json, text);
    }
}
