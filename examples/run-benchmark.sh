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
# With side=all it runs only the side-by-side benchmark of issue 13 (about 6 minutes): three `poolkeeper member`
# processes, then a 3-server ZooKeeper 3.9.5 ensemble, pipelined and sync writes through the master and a slave, then
# an in-JVM pool and bare Ratis (the floor), e.g.
#   examples/run-benchmark.sh side=all memberJvm="-XX:+UseG1GC" writes=5000
# heap=<size> sets the benchmark JVM's heap (default 2g), e.g. for many members in one JVM:
#   examples/run-benchmark.sh scale=1000,10000 members=64 heap=12g
# With processes=<n> as well, the scale benchmark's pool is n `poolkeeper member` processes and one member in the
# benchmark's JVM (about 25 minutes for 63 processes at 1,000 and 10,000 VMs), e.g.
#   examples/run-benchmark.sh scale=1000,10000 processes=63
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
# Each argument single-quoted, so that one with spaces (memberJvm="-Xmx1g -XX:+UseG1GC") stays one argument.
args=""
heap=2g
for arg in "$@"; do
  case "$arg" in
    heap=*) heap="${arg#heap=}" ;; # the benchmark JVM's -Xms/-Xmx, not an argument of the benchmark
    *) args="$args '${arg//\'/}'" ;;
  esac
done
exec mvn -B -q -Pbenchmark -Dmaven.test.skip=true -Dspotless.check.skip=true package -Dbenchmark.heap="$heap" \
  -Dbenchmark.args="$args"
