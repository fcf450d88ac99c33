#!/usr/bin/env bash
# Installs what mvcert needs on Debian 12 and nothing else: PostgreSQL 15, pg_cron, the
# server headers for PGXS (make -C sql install), a JDK 17 and Maven; for the tests of the
# operator's files, headless Chromium and its driver (the run report in a real browser) and
# promtool from the prometheus package (the alert rules). Idempotent: packages already
# present are left alone, and nothing is downloaded when all are there.
set -euo pipefail

packages=(postgresql-15 postgresql-15-cron postgresql-server-dev-15 openjdk-17-jdk-headless maven make
          chromium chromium-driver prometheus)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "prereqs: all present (${packages[*]})"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "prereqs: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi

echo "prereqs: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "prereqs: done"
