/**
 * The member's meters on the embedder's Micrometer {@code MeterRegistry}: {@link io.poolkeeper.metrics.MemberMetrics}
 * binds gauges that read the member's state on each scrape, and counts commands, batches, leader changes and host
 * agent calls as they happen. Reads the runtime through {@link io.poolkeeper.metrics.MemberProbe}; nothing in the
 * runtime depends on a registry being present (without one, every call here is a no-op).
 */
package io.poolkeeper.metrics;
