package io.poolkeeper.ratis;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import org.apache.ratis.util.ExitUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Starting a member leaves the JVM's default uncaught-exception handler as the embedder set it. Ratis replaces it
 * once per class loader, when {@code ExitUtils} first initialises, so each test loads a fresh copy of Ratis's
 * {@code ExitUtils} (and of {@link RatisExit}) in a class loader of its own: the JVM's copy was initialised long ago.
 */
@Timeout(10)
class RatisExitTest {
    private static final Thread.UncaughtExceptionHandler EMBEDDERS = (thread, error) -> {};

    private Thread.UncaughtExceptionHandler original;

    @BeforeEach
    void saveTheJvmsHandler() {
        original = Thread.getDefaultUncaughtExceptionHandler();
    }

    @AfterEach
    void restoreTheJvmsHandler() {
        Thread.setDefaultUncaughtExceptionHandler(original);
    }

    @Test
    void theEmbeddersHandlerSurvivesRatisInitialisingExitUtils() throws Exception {
        Thread.setDefaultUncaughtExceptionHandler(EMBEDDERS);

        staticMethod(freshCopy(RatisExit.class), "disableSystemExit").invoke(null);

        assertSame(EMBEDDERS, Thread.getDefaultUncaughtExceptionHandler());
    }

    @Test
    void withoutAnEmbeddersHandlerTheJvmIsLeftWithoutOne() throws Exception {
        Thread.setDefaultUncaughtExceptionHandler(null);

        staticMethod(freshCopy(RatisExit.class), "disableSystemExit").invoke(null);

        assertNull(Thread.getDefaultUncaughtExceptionHandler());
    }

    /** The control: the same fresh Ratis, called directly, does replace the handler (what the guard undoes). */
    @Test
    void ratisAloneReplacesTheHandler() throws Exception {
        Thread.setDefaultUncaughtExceptionHandler(EMBEDDERS);

        staticMethod(freshCopy(ExitUtils.class), "disableSystemExit").invoke(null);

        Thread.UncaughtExceptionHandler now = Thread.getDefaultUncaughtExceptionHandler();
        assertNotSame(EMBEDDERS, now);
        assertTrue(
                now.getClass().getName().startsWith(ExitUtils.class.getName()),
                now.getClass().getName());
    }

    /** {@code type} loaded anew, with Ratis's common classes and SLF4J, by a loader that shares none of this JVM's. */
    private static Class<?> freshCopy(Class<?> type) throws Exception {
        URL[] path = {
            location(RatisExit.class),
            location(ExitUtils.class),
            location(LoggerFactory.class),
            location(LoggerFactory.getILoggerFactory().getClass())
        };
        URLClassLoader loader = new URLClassLoader(path, ClassLoader.getPlatformClassLoader());
        Class<?> fresh = Class.forName(type.getName(), true, loader);
        assertNotSame(type, fresh, "a fresh copy");
        return fresh;
    }

    private static Method staticMethod(Class<?> type, String name) throws NoSuchMethodException {
        Method method = type.getDeclaredMethod(name);
        method.setAccessible(true);
        return method;
    }

    private static URL location(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }
}
