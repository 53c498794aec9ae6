#!/usr/bin/env bash
# The run command (README): sets up what is missing and runs the platform on embedded defaults —
# the Temporal dev server (Web UI on :8233), embedded Postgres, the worker and the API, the
# Docker provider when an engine can run here, the cloud emulators when no cloud keys are set, and
# the Happy relay emulator when no HAPPY_SERVER_URL is set.
# shellcheck source=lib/prelude.sh
source "$(dirname "$0")/lib/prelude.sh"

ensure_node_modules
if [ -z "${TEMPORAL_ADDRESS:-}" ]; then
  ensure_temporal_cli
  start_temporal_dev_server 7233 "${TEMPORAL_UI_PORT:-8233}" "$VIBEBOX_DATA_DIR/temporal.db" "$VIBEBOX_DATA_DIR/temporal.log"
  export TEMPORAL_ADDRESS=127.0.0.1:7233
fi

# Docker is optional for the platform: without an engine the Docker provider is simply off.
if [ "${DOCKER_ENABLED:-true}" != "false" ]; then
  if ! { [ "$(id -u)" = 0 ] && ensure_apt_packages docker.io debootstrap && start_dockerd && ensure_base_image; }; then
    echo "• Docker engine or base image unavailable: the Docker provider will be off"
  fi
fi

exec npx tsx scripts/dev.ts
