package io.poolkeeper.ratis;

import org.apache.ratis.util.ExitUtils;

/**
 * Ratis's {@link ExitUtils} without its JVM-wide side effect. The first use of {@code ExitUtils} initialises its
 * {@code States}, whose constructor calls {@link Thread#setDefaultUncaughtExceptionHandler} with a handler of its own
 * (it logs "Terminating with exit status -1" for any uncaught exception of any thread of the JVM, or exits). An
 * embedder's handler must survive a member's start, so the one in place before that first use is put back.
 */
final class RatisExit {
    /** Members starting together: one sees the handler before and puts it back before another looks. */
    private static final Object LOCK = new Object();

    private RatisExit() {}

    /**
     * {@link ExitUtils#disableSystemExit()} (a bind failure would otherwise call {@code System.exit} and take the
     * embedding JVM down), keeping the JVM's default uncaught-exception handler: the embedder's, or none.
     */
    static void disableSystemExit() {
        synchronized (LOCK) {
            Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
            ExitUtils.disableSystemExit();
            Thread.UncaughtExceptionHandler after = Thread.getDefaultUncaughtExceptionHandler();
            // Only Ratis's own replacement is undone: a handler the embedder set meanwhile on another thread stays.
            if (after != before && isRatis(after)) {
                Thread.setDefaultUncaughtExceptionHandler(before);
            }
        }
    }

    private static boolean isRatis(Thread.UncaughtExceptionHandler handler) {
        return handler != null && handler.getClass().getName().startsWith(ExitUtils.class.getName());
    }
}
