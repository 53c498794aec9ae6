#!/usr/bin/env bash
# The test command (README): sets up what is missing — Debian packages, npm packages, the
# Temporal CLI and the SQL-backed Temporal server (built once from its Go module, for
# tests/e2e/chaos.test.ts), Postgres, dockerd, the VibeBox base image — then validates
# docker-compose.yml, type-checks, lints, checks the layer rules (.dependency-cruiser.cjs: no
# import upward, no import circle) and runs every test tier against those real services, and
# (whole suite only) the official Python SDKs against the cloud emulators
# (scripts/test-sdk-python.sh). Extra arguments go to jest (e.g. tests/unit).
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
# With no arguments (the whole suite, as CI runs it) the official Python SDKs go first; their
# counts join jest's in the one closing "Tests:" line (tests/support/summaryReporter.js).
sdk_status=0
if [ "$#" -eq 0 ]; then
  export VIBEBOX_SDK_RESULTS="$VIBEBOX_DATA_DIR/sdk-python-results.json"
  rm -f "$VIBEBOX_SDK_RESULTS"
  bash scripts/test-sdk-python.sh || sdk_status=$?
fi
echo "• tests"
export VIBEBOX_TESTS_SUMMARY="$VIBEBOX_DATA_DIR/tests-summary.txt"
rm -f "$VIBEBOX_TESTS_SUMMARY"
jest_status=0
npx jest "$@" || jest_status=$?
# jest prints its own "Tests:" summary after the reporters: the combined line goes last.
if [ -f "$VIBEBOX_TESTS_SUMMARY" ]; then cat "$VIBEBOX_TESTS_SUMMARY"; fi
if [ "$jest_status" -ne 0 ]; then exit "$jest_status"; fi
exit "$sdk_status"
