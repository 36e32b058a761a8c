package io.poolkeeper.ha.sim;

import java.util.Arrays;
import java.util.Random;

/**
 * The simulated network between hosts, one link per direction. A message leaves only over a link that is up when it
 * is sent; it is lost with the link's loss probability, and otherwise arrives after a transit of
 * {@link #MIN_TRANSIT}…{@link #MAX_TRANSIT} plus up to the link's extra delay (late messages). A link cut while a
 * message is in flight does not stop it: it left before the cut.
 */
final class Network {
    static final long MIN_TRANSIT = Sim.MS;
    static final long MAX_TRANSIT = 5 * Sim.MS;

    private final boolean[][] up;
    private final double[][] loss;
    private final long[][] delay;
    private final Random random;

    Network(int hosts, Random random) {
        this.random = random;
        up = new boolean[hosts][hosts];
        loss = new double[hosts][hosts];
        delay = new long[hosts][hosts];
        healAll();
    }

    int size() {
        return up.length;
    }

    boolean up(int from, int to) {
        return from == to || up[from][to];
    }

    /** Both directions between {@code a} and {@code b} are up. */
    boolean linked(int a, int b) {
        return up(a, b) && up(b, a);
    }

    void set(int from, int to, boolean isUp) {
        if (from != to) {
            up[from][to] = isUp;
        }
    }

    void loss(int from, int to, double probability) {
        loss[from][to] = probability;
    }

    void delay(int from, int to, long maxExtra) {
        delay[from][to] = maxExtra;
    }

    /** Every link up, no loss, no extra delay. */
    void healAll() {
        for (int i = 0; i < up.length; i++) {
            Arrays.fill(up[i], true);
            Arrays.fill(loss[i], 0);
            Arrays.fill(delay[i], 0);
        }
    }

    /**
     * The transit of a message sent now from {@code from} to {@code to}, or -1 if it never arrives. Draws from the
     * random source only for a link that is up, so that cutting a link does not shift other links' draws more than
     * needed.
     */
    long transit(int from, int to) {
        if (!up(from, to)) {
            return -1;
        }
        if (loss[from][to] > 0 && random.nextDouble() < loss[from][to]) {
            return -1;
        }
        long transit = MIN_TRANSIT + random.nextLong(MAX_TRANSIT - MIN_TRANSIT + 1);
        if (delay[from][to] > 0) {
            transit += random.nextLong(delay[from][to] + 1);
        }
        return transit;
    }
}
