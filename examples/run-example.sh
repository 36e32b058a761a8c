#!/usr/bin/env bash
# Runs one example app of examples/src/main/java/io/poolkeeper/examples from a fresh clone (no `mvn install`): builds
# the modules it needs (tests skipped), then runs the class in its own JVM, e.g.
#   examples/run-example.sh EmbeddedPool      (also EventFollower, FailoverDrill, EmergencyDrill, TwoHostsAndWitness)
# Each prints a few lines on what it does and exits 0; its members log to stderr at WARN (Ratis: off).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
exec mvn -B -q -pl examples -am -Pexample -Dexample="${1:-EmbeddedPool}" -Dmaven.test.skip=true \
  -Dspotless.check.skip=true package
