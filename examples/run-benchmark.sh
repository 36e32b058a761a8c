#!/usr/bin/env bash
# Runs the benchmark of docs/BENCHMARKS.md from a fresh clone: builds the modules (tests skipped), then runs
# io.poolkeeper.examples.bench.Benchmark in its own JVM (about 2.5 minutes). Arguments go to the benchmark, e.g.
#   examples/run-benchmark.sh trials=20 window=500 paths=master,bare
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
exec mvn -B -q -Pbenchmark -Dmaven.test.skip=true -Dspotless.check.skip=true package -Dbenchmark.args="$*"
