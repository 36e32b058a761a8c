/**
 * Pool HA on running members (DESIGN §6): all-pairs heartbeats, each member's partition, self-fencing, the
 * survivors' death declarations (with the forced reconfiguration of §5 when they hold no Raft majority), restart of
 * protected VMs, and re-admission of fenced hosts. The decisions are {@code core.ha}'s; all time and I/O go through
 * {@link io.poolkeeper.ha.HaEnvironment}, so a simulator can drive it.
 */
package io.poolkeeper.ha;
