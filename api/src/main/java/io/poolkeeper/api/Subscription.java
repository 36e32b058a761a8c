package io.poolkeeper.api;

/** A live event subscription; closing it stops delivery. Idempotent. */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
