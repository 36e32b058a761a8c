package io.poolkeeper.examples;

import java.io.PrintStream;

/** What the example tests share. */
final class Examples {
    private Examples() {}

    /**
     * The example's narration, prefixed with its name and the time since this call (where the seconds go), in the
     * test's output (surefire keeps it per class).
     */
    static PrintStream log(String example) {
        long start = System.nanoTime();
        return new PrintStream(System.out, true) {
            @Override
            public void println(String line) {
                super.println(example + " +" + (System.nanoTime() - start) / 1_000_000 + " ms: " + line);
            }
        };
    }
}
