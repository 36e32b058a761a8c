package io.poolkeeper.testing;

/**
 * A test-only class in the package of poolkeeper-testing, which this module cannot see (it depends on this module):
 * {@code ArchitectureTest} uses it to show that its "no main class imports test support" rule reports a class that
 * does.
 */
public final class KnownViolation {}
