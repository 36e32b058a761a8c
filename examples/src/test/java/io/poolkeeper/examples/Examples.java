package io.poolkeeper.examples;

import java.io.PrintStream;

/** What the example tests share. */
final class Examples {
    private Examples() {}

    /** The example's narration, prefixed with its name, in the test's output (surefire keeps it per class). */
    static PrintStream log(String example) {
        return new PrintStream(System.out, true) {
            @Override
            public void println(String line) {
                super.println(example + ": " + line);
            }
        };
    }
}
