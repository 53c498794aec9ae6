#!/usr/bin/env bash
# The production shape on this machine (docs/operations.md "Production shape"): a Temporal
# server with SQL persistence built from its Go module, API x2 and worker x2 as separate
# processes, and optionally the cloud emulators, on the Debian Postgres. Commands:
#
#   scripts/cluster.sh up [--apis N] [--workers N] [--emulators aliyun,tencent,chinamobile] [--fresh]
#                         [--private-postgres PORT]   (a Postgres of its own, process `postgres`)
#                         [--temporal-postgres PORT]  (Temporal's databases on a second one, `postgres-temporal`)
#   scripts/cluster.sh status | down
#   scripts/cluster.sh stop|kill|start|restart <name>     e.g. kill worker-1, restart temporal
#
# `up` sets up what is missing first (Postgres, dockerd, the base image, the temporal CLI, the
# Temporal server binaries: the first build takes several minutes) and returns once every
# process is ready; they keep running in the background. State: $VIBEBOX_CLUSTER_DIR
# (default .data/cluster): <name>.pid, <name>.log, temporal-server.yaml, cluster.json.
# Env: VIBEBOX_CLUSTER_DB (default vibebox_cluster), VIBEBOX_PG_PORT_CLUSTER (default 5433),
# VIBEBOX_SECRET_KEY (else one generated and kept in .data/cluster.key), ENABLED_PROVIDERS.
# shellcheck source=lib/prelude.sh
source "$(dirname "$0")/lib/prelude.sh"
# shellcheck source=lib/temporal-server.sh
source scripts/lib/temporal-server.sh

export VIBEBOX_CLUSTER_DIR="${VIBEBOX_CLUSTER_DIR:-$VIBEBOX_DATA_DIR/cluster}"
db="${VIBEBOX_CLUSTER_DB:-vibebox_cluster}"
pg_port="${VIBEBOX_PG_PORT_CLUSTER:-5433}"

if [[ ${1:-} == up ]]; then
  ensure_apt_packages postgresql docker.io debootstrap
  ensure_node_modules
  ensure_temporal_cli
  ensure_temporal_server_binaries
  start_postgres "$pg_port"
  ensure_database "$db"
  start_dockerd
  ensure_base_image
  if [[ -z ${VIBEBOX_SECRET_KEY:-} ]]; then
    key_file="$VIBEBOX_DATA_DIR/cluster.key"
    [[ -s $key_file ]] || (umask 077 && head -c 32 /dev/urandom | base64 >"$key_file")
    VIBEBOX_SECRET_KEY=$(cat "$key_file")
    export VIBEBOX_SECRET_KEY
  fi
else
  # The other commands only act on processes `up` started: no setup, and quick.
  _vb_temporal_paths
  VIBEBOX_PG_PORT=$pg_port
fi
export DATABASE_URL="${DATABASE_URL:-$(VIBEBOX_PG_PORT=$pg_port database_url "$db")}"
export VIBEBOX_TEMPORAL_SERVER_DIR="${VIBEBOX_TEMPORAL_SERVER_DIR:-${VIBEBOX_CACHE_DIR:-/var/cache/vibebox}/temporal-server/${VIBEBOX_TEMPORAL_SERVER_VERSION:-$VIBEBOX_TEMPORAL_SERVER_DEFAULT_VERSION}}"
exec node --import tsx scripts/cluster.ts "$@"
