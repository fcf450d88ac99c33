#!/usr/bin/env bash
# The demo on a fresh Debian 12 machine: prerequisites, build, then `mvcert demo`, which
# starts a throwaway PostgreSQL cluster with pg_cron, loads the example feature store, plans,
# refreshes, certifies, reads through the guarded view, breaks and restores certification.
set -euo pipefail
cd "$(dirname "$0")/.."

bash install/prereqs.sh

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
make -s -C sql
$sudo make -s -C sql install

mvn -B -ntp -q package -DskipTests
exec java -jar agent/target/mvcert.jar demo "$@"
