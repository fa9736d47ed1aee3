#!/bin/sh
# The Red Hat postgresql image's contract on Debian's PostgreSQL 15: runs as uid 26, data in
# /var/lib/pgsql/data (initialised on first start), users and passwords from the environment,
# peer auth on the local socket and passwords over TCP on 5432.
set -eu
BIN=/usr/lib/postgresql/15/bin
export PGDATA=/var/lib/pgsql/data/userdata

usage() {
  echo "You must either specify the following environment variables:" >&2
  echo "  POSTGRESQL_USER POSTGRESQL_PASSWORD POSTGRESQL_DATABASE" >&2
  echo "Or the following environment variable:" >&2
  echo "  POSTGRESQL_ADMIN_PASSWORD" >&2
  exit 1
}
if [ -n "${POSTGRESQL_USER:-}${POSTGRESQL_PASSWORD:-}${POSTGRESQL_DATABASE:-}" ]; then
  [ -n "${POSTGRESQL_USER:-}" ] && [ -n "${POSTGRESQL_PASSWORD:-}" ] && [ -n "${POSTGRESQL_DATABASE:-}" ] || usage
elif [ -z "${POSTGRESQL_ADMIN_PASSWORD:-}" ]; then
  usage
fi

# SQL literals and identifiers, quoted; the values travel on stdin, never on a command line.
literal() { printf "'%s'" "$(printf %s "$1" | sed "s/'/''/g")"; }
ident() { printf '"%s"' "$(printf %s "$1" | sed 's/"/""/g')"; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if ! mkdir -p "$PGDATA" 2>/dev/null; then
    echo "mkdir: cannot create directory '$PGDATA': Permission denied (uid $(id -u) needs write and search on /var/lib/pgsql/data)" >&2
    exit 1
  fi
  "$BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --no-locale --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '*'
port = 5432
unix_socket_directories = '/var/run/postgresql'
jit = off
CONF
fi

# As the Red Hat image does, every start (re)applies the users and passwords from the environment.
"$BIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w -s start >/dev/null
{
  echo '\set ON_ERROR_STOP on'
  if [ -n "${POSTGRESQL_USER:-}" ]; then
    echo "SELECT 'CREATE ROLE $(ident "$POSTGRESQL_USER") LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = $(literal "$POSTGRESQL_USER")) \\gexec"
    echo "ALTER ROLE $(ident "$POSTGRESQL_USER") PASSWORD $(literal "$POSTGRESQL_PASSWORD");"
    echo "SELECT 'CREATE DATABASE $(ident "$POSTGRESQL_DATABASE") OWNER $(ident "$POSTGRESQL_USER")' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = $(literal "$POSTGRESQL_DATABASE")) \\gexec"
  fi
  if [ -n "${POSTGRESQL_ADMIN_PASSWORD:-}" ]; then
    echo "ALTER ROLE postgres PASSWORD $(literal "$POSTGRESQL_ADMIN_PASSWORD");"
  fi
} | psql -q -X -U postgres -d postgres >/dev/null
"$BIN/pg_ctl" -D "$PGDATA" -m fast -w -s stop

exec "$BIN/postgres" -D "$PGDATA"
