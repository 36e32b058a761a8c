package io.poolkeeper.cli;

/** The {@code poolkeeper} executable: runs {@link Cli} on the process's arguments and exits with its status. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // Ratis and gRPC log a lot at INFO: commands and the demo show warnings only; a member logs INFO to stderr.
        boolean member = args.length > 0 && args[0].equals("member");
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", member ? "info" : "warn");
        }
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        int status = new Cli(System.out, System.err, System.getenv()).run(args);
        System.exit(status);
    }
}
