#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: prerequisites, extension build and
# install, Java build, unit and integration tests (each run starts its own throwaway
# PostgreSQL cluster under target/; nothing else on the machine is touched).
set -euo pipefail
cd "$(dirname "$0")/.."

bash install/prereqs.sh

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
make -s -C sql
$sudo make -s -C sql install

mvn -B -ntp verify "$@"
