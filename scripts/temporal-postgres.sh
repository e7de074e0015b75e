#!/usr/bin/env bash
# A real Temporal server (the version inside Temporal CLI v1.5.1's dev server) persisting to Postgres.
#
#   scripts/temporal-postgres.sh [up|build|schema|config|start]   (default: up = build+schema+config+start)
#
# Settings (environment):
#   TEMPORAL_PORT           frontend gRPC port (7233); the other services use nearby ports (see write_config)
#   TEMPORAL_NAMESPACE      namespace registered after start (default)
#   TEMPORAL_PG_HOST/PORT   Postgres (127.0.0.1 / 5432)
#   TEMPORAL_PG_USER/PASSWORD  (postgres / empty)
#   TEMPORAL_DB, TEMPORAL_VISIBILITY_DB  databases (temporal / temporal_visibility)
#   NAS_HOME                where the rendered config lives (./.nas)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-1.29.1}"
BIN_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/nas-orchestrator/temporal-server-$SERVER_VERSION"
SERVER_BIN="$BIN_DIR/temporal-server"
SQL_TOOL="$BIN_DIR/temporal-sql-tool"

PORT="${TEMPORAL_PORT:-7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
PG_HOST="${TEMPORAL_PG_HOST:-127.0.0.1}"
PG_PORT="${TEMPORAL_PG_PORT:-5432}"
PG_USER="${TEMPORAL_PG_USER:-postgres}"
PG_PASSWORD="${TEMPORAL_PG_PASSWORD:-}"
DB="${TEMPORAL_DB:-temporal}"
VISIBILITY_DB="${TEMPORAL_VISIBILITY_DB:-temporal_visibility}"
CONFIG_ROOT="$(mkdir -p "${NAS_HOME:-$REPO/.nas}" && cd "${NAS_HOME:-$REPO/.nas}" && pwd)/temporal-postgres-$PORT"

log() { echo "[temporal-postgres] $*" >&2; }

build() {
  if [ -x "$SERVER_BIN" ] && [ -x "$SQL_TOOL" ]; then log "using cached build in $BIN_DIR"; return; fi
  local go_bin gobin started=$SECONDS
  go_bin="$(bash "$REPO/scripts/ensure-go.sh")"
  mkdir -p "$BIN_DIR"
  gobin="$(mktemp -d "$BIN_DIR/.build-XXXXXX")"
  log "building Temporal server v$SERVER_VERSION and its SQL tool into $BIN_DIR (minutes on first build)"
  go_install() {
    GOBIN="$gobin" GOFLAGS="${GOFLAGS:-} -mod=mod" "$go_bin/go" install "$@" 2>"$gobin/stderr" && return 0
    if grep -qiE 'sum\.golang\.org|checksum database|verifying' "$gobin/stderr"; then
      log "Go checksum database unreachable; retrying with GOSUMDB=off"
      GOBIN="$gobin" GOFLAGS="${GOFLAGS:-} -mod=mod" GOSUMDB=off "$go_bin/go" install "$@" && return 0
    fi
    cat "$gobin/stderr" >&2
    return 1
  }
  go_install "go.temporal.io/server/cmd/server@v$SERVER_VERSION" "go.temporal.io/server/cmd/tools/sql@v$SERVER_VERSION"
  mv "$gobin/sql" "$SQL_TOOL"
  mv "$gobin/server" "$SERVER_BIN"
  rm -rf "$gobin"
  log "built in $((SECONDS - started)) s"
}

# Quiet unless it fails: the tool logs every statement.
sql_tool() {
  local output
  if ! output="$("$SQL_TOOL" --plugin postgres12 --endpoint "$PG_HOST" --port "$PG_PORT" --user "$PG_USER" --password "$PG_PASSWORD" "$@" 2>&1)"; then
    echo "$output" >&2
    log "temporal-sql-tool $* failed"
    return 1
  fi
}

psql_in() { # psql_in DB SQL
  PGPASSWORD="$PG_PASSWORD" psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$1" -tAc "$2"
}

setup_database() { # setup_database DB EMBEDDED_SCHEMA
  local db="$1" schema="$2"
  if [ "$(psql_in postgres "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
    sql_tool --database "$db" create-database
  fi
  if [ "$(psql_in "$db" "SELECT to_regclass('public.schema_version') IS NOT NULL")" != t ]; then
    sql_tool --database "$db" setup-schema -v 0.0
  fi
  sql_tool --database "$db" update-schema --schema-name "$schema"
  log "database $db at schema $(psql_in "$db" 'SELECT curr_version FROM schema_version LIMIT 1')"
}

schema() {
  setup_database "$DB" postgresql/v12/temporal
  setup_database "$VISIBILITY_DB" postgresql/v12/visibility
}

write_config() {
  mkdir -p "$CONFIG_ROOT/config"
  datastore() { # datastore NAME DB MAXCONNS
    cat <<YAML
    $1:
      sql:
        pluginName: postgres12
        databaseName: $2
        connectAddr: "$PG_HOST:$PG_PORT"
        connectProtocol: tcp
        user: "$PG_USER"
        password: "$PG_PASSWORD"
        maxConns: $3
        maxIdleConns: $3
        maxConnLifetime: 1h
YAML
  }
  {
    cat <<YAML
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
YAML
    datastore postgres-default "$DB" 20
    datastore postgres-visibility "$VISIBILITY_DB" 4
    cat <<YAML
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
    rpc: { grpcPort: $PORT, membershipPort: $((PORT - 300)), httpPort: $((PORT + 10)), bindOnLocalHost: true }
  history:
    rpc: { grpcPort: $((PORT + 1)), membershipPort: $((PORT - 299)), bindOnLocalHost: true }
  matching:
    rpc: { grpcPort: $((PORT + 2)), membershipPort: $((PORT - 298)), bindOnLocalHost: true }
  worker:
    rpc: { grpcPort: $((PORT + 6)), membershipPort: $((PORT - 294)), bindOnLocalHost: true }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:$PORT"
dcRedirectionPolicy:
  policy: noop
YAML
  } >"$CONFIG_ROOT/config/production.yaml"
  log "config written to $CONFIG_ROOT/config/production.yaml"
}

temporal_cli() { (cd "$REPO" && node stack/temporal/ensure-cli.ts 2>/dev/null); }

register_namespace() {
  local cli="$1"
  if "$cli" operator namespace describe --address "127.0.0.1:$PORT" --namespace "$NAMESPACE" >/dev/null 2>&1; then return; fi
  "$cli" operator namespace create --address "127.0.0.1:$PORT" --namespace "$NAMESPACE" --retention 7d >/dev/null
  log "namespace $NAMESPACE registered"
}

start() {
  local cli server_pid
  cli="${TEMPORAL_CLI:-$(temporal_cli)}"
  "$SERVER_BIN" --root "$CONFIG_ROOT" --config config --env production --allow-no-auth start &
  server_pid=$!
  trap 'kill -TERM "$server_pid" 2>/dev/null; wait "$server_pid"; exit 0' INT TERM
  for _ in $(seq 1 120); do
    kill -0 "$server_pid" 2>/dev/null || { log "server exited during startup"; wait "$server_pid"; exit 1; }
    if "$cli" operator cluster health --address "127.0.0.1:$PORT" >/dev/null 2>&1; then
      register_namespace "$cli"
      log "Temporal server v$SERVER_VERSION on Postgres serving at 127.0.0.1:$PORT (namespace $NAMESPACE, pid $server_pid)"
      wait "$server_pid"
      return
    fi
    sleep 1
  done
  log "server did not answer on 127.0.0.1:$PORT within 120 s"
  kill -TERM "$server_pid"
  exit 1
}

case "${1:-up}" in
  build) build ;;
  schema) build; schema ;;
  config) write_config ;;
  start) write_config; start ;;
  up) build; schema; write_config; start ;;
  *) echo "usage: $0 [up|build|schema|config|start]" >&2; exit 2 ;;
esac
