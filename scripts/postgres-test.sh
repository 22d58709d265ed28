#!/usr/bin/env bash
# Starts a throw-away PostgreSQL for the store tests and prints its connection URL (last line of stdout).
#
#   scripts/postgres-test.sh            # start (or find running) and print the URL
#   export CHEOMDAN_TEST_DATABASE_URL=$(scripts/postgres-test.sh | tail -1)
#
# Idempotent and safe to run concurrently (flock): a second run finds the running server and prints the URL.
# What it does:
#   1. finds PostgreSQL's server binaries (/usr/lib/postgresql/<ver>/bin); if there are none and we are root,
#      installs Debian's `postgresql` package (apt-get update first when the install fails for lack of lists);
#   2. initialises its own cluster in $CHEOMDAN_PG_DIR (default /tmp/cheomdan-pg/data) — it never touches the
#      Debian "main" cluster — listening on 127.0.0.1:$CHEOMDAN_PG_PORT (default 5433) only, with `trust`
#      authentication for loopback and the local socket (a test database: no password, not reachable from
#      outside the machine) and fsync off (tests do not need durability; never copy this configuration);
#   3. starts it (as the `postgres` user when run as root: initdb refuses root) and waits until it accepts
#      connections;
#   4. writes postgres://postgres@127.0.0.1:<port>/postgres to $CHEOMDAN_PG_ROOT/url and prints it.
# Stop it with:  runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl" -D /tmp/cheomdan-pg/data stop
set -euo pipefail

ROOT="${CHEOMDAN_PG_ROOT:-/tmp/cheomdan-pg}"
DATA="${CHEOMDAN_PG_DIR:-$ROOT/data}"
PORT="${CHEOMDAN_PG_PORT:-5433}"
URL="postgres://postgres@127.0.0.1:${PORT}/postgres"

log() { echo "postgres-test: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

mkdir -p "$ROOT"
chmod 1777 "$ROOT" 2>/dev/null || true

exec 9>"$ROOT/.lock"
flock -w 120 9 || die "timed out waiting for $ROOT/.lock (another run is stuck?)"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

BIN="$(find_bin || true)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    die "PostgreSQL server binaries not found under /usr/lib/postgresql and not root: install Debian's postgresql package (apt-get install -y postgresql) or set CHEOMDAN_TEST_DATABASE_URL"
  fi
  log "installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends postgresql >&2; then
    log "install failed; running apt-get update and retrying"
    apt-get update >&2 || die "apt-get update failed"
    apt-get install -y --no-install-recommends postgresql >&2 || die "apt-get install postgresql failed"
  fi
  BIN="$(find_bin || true)"
  [ -n "$BIN" ] && [ -x "$BIN/initdb" ] || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
fi

# Run a server command as the user who will own the cluster: `postgres` when we are root, else ourselves.
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  as_owner() { runuser -u postgres -- "$@"; }
  OWNER=postgres
else
  as_owner() { "$@"; }
  OWNER="$(id -un)"
fi

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres; }

if ready; then
  # Already running (ours from an earlier run, or one provided by CI on this port).
  echo "$URL" >"$ROOT/url"
  echo "$URL"
  exit 0
fi

if [ ! -s "$DATA/PG_VERSION" ]; then
  log "initialising a cluster in $DATA (owner $OWNER)"
  rm -rf "$DATA"
  mkdir -p "$DATA"
  chown "$OWNER" "$DATA"
  chmod 700 "$DATA"
  as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2 \
    || as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >&2 \
    || die "initdb failed"
  cat >>"$DATA/postgresql.conf" <<CONF
# cheomdan test cluster (scripts/postgres-test.sh): loopback only, no durability
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$ROOT'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
fi

log "starting PostgreSQL on 127.0.0.1:$PORT"
# A stale postmaster.pid from a killed server would block the start; pg_ctl handles it when the pid is gone.
# 9>&-: the server must not inherit the lock's descriptor, or it would hold the lock for its whole life.
as_owner "$BIN/pg_ctl" -D "$DATA" -l "$ROOT/server.log" -w -t 60 start >&2 9>&- || {
  tail -n 30 "$ROOT/server.log" >&2 || true
  die "pg_ctl start failed (log: $ROOT/server.log)"
}
for _ in $(seq 1 60); do
  ready && break
  sleep 0.5
done
ready || die "PostgreSQL did not accept connections on 127.0.0.1:$PORT (log: $ROOT/server.log)"

echo "$URL" >"$ROOT/url"
echo "$URL"
