#!/usr/bin/env bash
# mvcert benchmarks: one command on a fresh clone after install/prereqs.sh.
#   bench/run.sh [--scale N] [--reps N] [--parallel N] [--only 1,2,3,4,5,6,7,8,9,10] [--hash-rows N] [--chain-rows N]
#                [--pgbench-seconds N] [--scale-factor N]
# Builds the jars when missing (mvn package -DskipTests), starts a throwaway PostgreSQL cluster
# under bench/work/, runs the ten measurements and prints one line each; the full results go
# to bench/results/latest.json (logs of the psql and mvcert runs in bench/results/logs/).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

engine_jar="pljava-module/target/mvcert-engine-0.2.0.jar"
agent_jar="agent/target/mvcert.jar"
build=no
for arg in "$@"; do [ "$arg" = "--rebuild" ] && build=yes; done
[ -f "$engine_jar" ] && [ -f "$agent_jar" ] || build=yes
if [ "$build" = yes ]; then
  echo "bench: building (mvn package -DskipTests)"
  mvn -q -o package -DskipTests 2>/dev/null || mvn -q package -DskipTests
fi
args=()
for arg in "$@"; do [ "$arg" = "--rebuild" ] || args+=("$arg"); done

rm -rf bench/results/logs
mkdir -p bench/results/logs
# Single-file source launch (Java 17): the driver needs nothing but the two jars
# (the engine, and the agent's shaded jar for the JDBC driver and the CLI it measures).
exec java -Xmx1g -Dlogback.configurationFile="$root/bench/logback.xml" -cp "$engine_jar:$agent_jar" bench/src/dev/mvcert/bench/Bench.java \
  --root "$root" --agent-jar "$root/$agent_jar" "${args[@]}"
