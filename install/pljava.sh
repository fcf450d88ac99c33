#!/usr/bin/env bash
# Deploys mvcert's Java engine into one database where PL/Java is installed, so that
# audit.certify, audit.capture_baselines, audit.refresh_and_certify_atomic and the in-database
# path of CALL audit.refresh_and_certify / audit.run_certification exist.
#
#   install/pljava.sh <database> [engine jar]
#
# Connects with psql and the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, .pgpass)
# as a role allowed to CREATE EXTENSION pljava (a superuser). The jar's bytes are sent from
# this machine (sqlj.install_jar(bytea, ...)): the server needs no access to any file here.
# Run it again after upgrading mvcert: an installed engine is replaced in place
# (sqlj.replace_jar: the old functions are dropped, the new ones created, in one transaction).
set -euo pipefail

die() { echo "install/pljava.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: install/pljava.sh <database> [engine jar]"
database=$1
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -eq 2 ]; then
  jar=$2
else
  # the newest engine jar of this checkout (a stale one from an earlier version may still lie there)
  jar=$(ls "$root"/pljava-module/target/mvcert-engine-*.jar 2>/dev/null | grep -v -e '-tests\.jar$' -e '-sources\.jar$' | sort -V | tail -n 1 || true)
  [ -n "$jar" ] || die "no engine jar in pljava-module/target: build it first (mvn -q -pl pljava-module package -DskipTests) or pass its path"
fi
[ -r "$jar" ] || die "cannot read the engine jar $jar"
command -v psql >/dev/null || die "psql not found: install the PostgreSQL client (e.g. postgresql-client-15)"

psql_query() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$database" -c "$1"; }

psql_query "SELECT 1" >/dev/null || die "cannot connect to database $database (libpq environment: PGHOST, PGPORT, PGUSER)"

[ "$(psql_query "SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = 'mvcert'")" = 1 ] \
  || die "the mvcert extension is not installed in $database: run CREATE EXTENSION mvcert first"

if [ "$(psql_query "SELECT count(*) FROM pg_catalog.pg_available_extensions WHERE name = 'pljava'")" != 1 ]; then
  die "PL/Java is not installed on the server of $database.
  Install your distribution's PL/Java package on the database server, e.g. postgresql-15-pljava
  from PGDG (apt.postgresql.org / yum.postgresql.org), then run this again.
  Without PL/Java mvcert works through its agent: java -jar mvcert.jar serve."
fi

if [ "$(psql_query "SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = 'pljava'")" != 1 ]; then
  # PL/Java starts a JVM from pljava.libjvm_location; unset, CREATE EXTENSION cannot finish.
  libjvm=$(psql_query "SELECT coalesce(pg_catalog.current_setting('pljava.libjvm_location', true), '')")
  if [ -z "$libjvm" ]; then
    die "pljava.libjvm_location is not set for $database, so PL/Java cannot start a JVM.
  Find the server's libjvm.so (e.g. find /usr/lib/jvm -name libjvm.so) and set it, for this database:
    ALTER DATABASE $(psql_query "SELECT pg_catalog.quote_ident('$database')") SET pljava.libjvm_location = '/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so';
  or for the whole server:
    ALTER SYSTEM SET pljava.libjvm_location = '/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so';
    SELECT pg_reload_conf();
  then run this again."
  fi
  psql_query "CREATE EXTENSION IF NOT EXISTS pljava" \
    || die "CREATE EXTENSION pljava failed in $database (pljava.libjvm_location = '$libjvm'): see the message above and the server log"
fi

if [ "$(psql_query "SELECT count(*) FROM sqlj.jar_repository WHERE jarname = 'mvcert'")" = 1 ]; then
  action=replace_jar
else
  action=install_jar
fi

# The bytes travel as a hex literal on psql's standard input (no argument length limit, no
# server-side file). The schema classpath is set after the jar is in place, in the same
# transaction: the descriptor only creates and drops functions.
{
  echo "BEGIN;"
  printf "SELECT sqlj.%s(pg_catalog.decode('" "$action"
  od -A n -v -t x1 "$jar" | tr -d ' \n'
  echo "', 'hex'), 'mvcert', true);"
  echo "SELECT sqlj.set_classpath('audit', 'mvcert');"
  echo "COMMIT;"
} | psql -X -q -v ON_ERROR_STOP=1 -d "$database" >/dev/null \
  || die "deploying $jar into $database failed (sqlj.$action): see the message above"

path=$(psql_query "SELECT audit.execution_path()")
echo "install/pljava.sh: mvcert engine $(basename "$jar") deployed into $database ($action); execution path: $path"
