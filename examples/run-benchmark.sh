#!/usr/bin/env bash
# Runs the benchmark of docs/BENCHMARKS.md from a fresh clone: builds the modules (tests skipped), then runs
# io.poolkeeper.examples.bench.Benchmark in its own JVM (about 2.5 minutes). Arguments go to the benchmark, e.g.
#   examples/run-benchmark.sh trials=20 window=500 paths=master,bare
# With ha=<HA timeouts in s> it runs only the HA failover benchmark (issue 10; about 35 minutes for ha=5,30), e.g.
#   examples/run-benchmark.sh ha=5,30 trials=10 scenarios=slave,master,pair
# With planner=<trials> it runs only the HA planner benchmark (issue 11; a few seconds), e.g.
#   examples/run-benchmark.sh planner=10
# With tls=<rounds> it runs only the TLS cost benchmark (issue 12; about 6 minutes for tls=3): that many plain-text and
# mutual-TLS pools, alternated, each measured for pipelined write throughput and sync write latency (writes=2000), e.g.
#   examples/run-benchmark.sh tls=3
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
exec mvn -B -q -Pbenchmark -Dmaven.test.skip=true -Dspotless.check.skip=true package -Dbenchmark.args="$*"
