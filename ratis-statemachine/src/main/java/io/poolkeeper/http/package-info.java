/**
 * A read-only pool status page served by a member over plain HTTP ({@link io.poolkeeper.http.StatusPage}): hosts,
 * VMs, SRs, alerts and the live event stream, from the member's own copy of the pool. It only reads through the
 * public {@link io.poolkeeper.api.PoolMember} API and never changes the pool.
 */
package io.poolkeeper.http;
