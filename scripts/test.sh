#!/usr/bin/env bash
# The test command (README): sets up what is missing — Debian packages, npm packages, the
# Temporal CLI and the SQL-backed Temporal server (built once from its Go module, for
# tests/e2e/cluster.test.ts), Postgres, dockerd, the VibeBox base image — then validates
# docker-compose.yml, type-checks, lints, checks the layer rules (.dependency-cruiser.cjs: no
# import upward, no import circle) and runs every test tier against those real services.
# Extra arguments go to jest (e.g. tests/unit).
# shellcheck source=lib/prelude.sh
source "$(dirname "$0")/lib/prelude.sh"
# shellcheck source=lib/temporal-server.sh
source scripts/lib/temporal-server.sh

# chromium: tests/e2e/apiDocs.test.ts renders the API explorer in it (headless).
ensure_apt_packages postgresql docker.io debootstrap chromium
ensure_node_modules
ensure_temporal_cli
ensure_temporal_server_binaries

TEST_TEMPORAL_PORT="${TEST_TEMPORAL_PORT:-7233}"
TEST_PG_PORT="${TEST_PG_PORT:-5433}"
start_temporal_dev_server "$TEST_TEMPORAL_PORT" "${TEST_TEMPORAL_UI_PORT:-8233}" "$VIBEBOX_DATA_DIR/temporal.db" "$VIBEBOX_DATA_DIR/temporal.log"
start_postgres "$TEST_PG_PORT"
# TEST_DB_NAME: a database of one's own when several checkouts test side by side.
TEST_DB_NAME="${TEST_DB_NAME:-vibebox_test}"
ensure_database "$TEST_DB_NAME"
start_dockerd
ensure_base_image

export DATABASE_URL="postgres://vibebox:vibebox@127.0.0.1:${TEST_PG_PORT}/${TEST_DB_NAME}"
export TEMPORAL_ADDRESS="127.0.0.1:${TEST_TEMPORAL_PORT}"
# A throwaway key for sealing test passwords; never a production key.
export VIBEBOX_SECRET_KEY="${VIBEBOX_SECRET_KEY:-$(head -c 32 /dev/urandom | base64)}"
export LOG_LEVEL="${LOG_LEVEL:-warn}"

# The compose file is checked by compose-go, the loader of `docker compose` (tools/compose-check).
echo "• compose file"; go -C tools/compose-check run . "$PWD/docker-compose.yml"
echo "• type-check"; npx tsc -p .
echo "• lint"; npx eslint .
echo "• layers"; npm run --silent depcheck
echo "• tests"
npx jest "$@"
