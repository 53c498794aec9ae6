# shellcheck shell=bash
# scripts/lib/temporal-server.sh — the distributed Temporal server (not the dev server), built
# from its Go module once per version and cached outside the repository:
#
#   source scripts/lib/temporal-server.sh
#   ensure_temporal_server_binaries        # prints nothing; exports VIBEBOX_TEMPORAL_SERVER_DIR
#
# The directory then holds `temporal-server` (go.temporal.io/server/cmd/server) and
# `temporal-sql-tool` (go.temporal.io/server/cmd/tools/sql), which scripts/cluster/ uses to set
# up the SQL schema and run the server on Postgres. Only the Go module proxy is needed: no image
# registry, no release download.
#
# Env honoured:
#   VIBEBOX_TEMPORAL_SERVER_VERSION  module version (default below; its go.mod must accept the
#                                    local Go toolchain, as GOTOOLCHAIN stays local)
#   VIBEBOX_CACHE_DIR                cache root (default /var/cache/vibebox)

# v1.32.1: the newest release whose go.mod asks for no newer Go than Debian's toolchain here
# (v1.32.2 wants go >= 1.26.10). It matches the server inside the temporal CLI (1.32.x).
VIBEBOX_TEMPORAL_SERVER_DEFAULT_VERSION=v1.32.1

ensure_temporal_server_binaries() {
  local version=${VIBEBOX_TEMPORAL_SERVER_VERSION:-$VIBEBOX_TEMPORAL_SERVER_DEFAULT_VERSION}
  local dir="${VIBEBOX_CACHE_DIR:-/var/cache/vibebox}/temporal-server/$version"
  export VIBEBOX_TEMPORAL_SERVER_DIR=$dir
  if [[ -x $dir/temporal-server && -x $dir/temporal-sql-tool ]]; then
    echo "[temporal-server] $version cached in $dir" >&2
    return 0
  fi
  command -v go >/dev/null || { echo "[temporal-server] ERROR: go not found (needed once to build the server)" >&2; return 1; }
  echo "[temporal-server] building $version into $dir (cold: several minutes on 2 cores)" >&2
  local gobin log started=$SECONDS
  mkdir -p "$dir"
  gobin=$(mktemp -d "$dir/.build.XXXXXX")
  log="$gobin/build.log"
  # Both packages in one go install share one module graph and build cache.
  if ! GOBIN=$gobin GOFLAGS=-trimpath go install \
      "go.temporal.io/server/cmd/server@$version" \
      "go.temporal.io/server/cmd/tools/sql@$version" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -rf "$gobin"
    echo "[temporal-server] ERROR: go install of go.temporal.io/server@$version failed" >&2
    return 1
  fi
  # Rename into place last, so an interrupted build never leaves a half set behind.
  mv "$gobin/sql" "$dir/temporal-sql-tool"
  mv "$gobin/server" "$dir/temporal-server"
  rm -rf "$gobin"
  echo "[temporal-server] built $version in $((SECONDS - started))s: $dir" >&2
}
